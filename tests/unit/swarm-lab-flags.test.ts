// The swarm harness's network-lab flags: mapped onto the settings, refused without --lab, loopback unchanged.
import { describe, expect, it } from 'vitest';
import { parseSwarmFlags, SettingsError, swarmDefaults } from '../../bench/swarm/swarm-settings';

describe('swarm lab flags', () => {
  it('map --lab and its options onto the settings', () => {
    const settings = parseSwarmFlags(
      '--lab --isps 3 --viewers 9 --nat-share 0.34 --uplink-kbps 4000 --downlink-kbps 8000 --capped-uploaders 3 --capped-uplink-kbps 300'.split(
        ' ',
      ),
    );
    expect(settings).toMatchObject({
      lab: true,
      isps: 3,
      viewers: 9,
      natShare: 0.34,
      uplinkKbps: 4000,
      downlinkKbps: 8000,
      cappedUploaders: 3,
      cappedUplinkKbps: 300,
      transitKbps: null,
    });
    expect(parseSwarmFlags(['--lab', '--transit-kbps', '0'])).toMatchObject({ transitKbps: 0 });
    expect(parseSwarmFlags(['--lab', '--transit-kbps', '2500'])).toMatchObject({ transitKbps: 2500 });
  });

  it('leave a loopback run exactly as before', () => {
    expect(parseSwarmFlags(['--viewers', '4'])).toEqual({ ...swarmDefaults, viewers: 4 });
    expect(swarmDefaults.returning).toBe(false);
    expect(parseSwarmFlags(['--returning', '--cpu-hog', '1'])).toEqual({
      ...swarmDefaults,
      returning: true,
      cpuHog: 1,
    });
    expect(swarmDefaults).toMatchObject({ lab: false, natShare: 0, uplinkKbps: null, cappedUploaders: 0 });
  });

  it('refuse a lab option without --lab, naming it', () => {
    expect(() => parseSwarmFlags(['--nat-share', '0.5'])).toThrow(SettingsError);
    expect(() => parseSwarmFlags(['--isps', '2'])).toThrow('--isps needs --lab');
    expect(() => parseSwarmFlags(['--transit-kbps', '0'])).toThrow('--transit-kbps needs --lab');
  });
});
