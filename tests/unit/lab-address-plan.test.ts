// The lab's address plan: ISPs dealt in turn, NAT'd viewers and capped uploaders spread over the ISPs,
// distinct addresses, transit sized per ISP and shaped only between ISPs, and settings checked with the field named.
import { describe, expect, it } from 'vitest';
import { LAB_BLOCK, planLab } from '../../lab/address-plan';
import { resolveLabConfig, TRANSIT_KBPS_PER_VIEWER } from '../../lab/lab-config';
import { LabError } from '../../lab/lab-error';
import { transitCommands } from '../../lab/traffic-caps';

describe('planLab', () => {
  it('deals viewers to ISPs in turn and spreads NAT and low uplinks over the ISPs, not onto one', () => {
    const plan = planLab(
      resolveLabConfig({ isps: 3, viewers: 9, natShare: 1 / 3, cappedUploaders: 3, uplinkKbps: 4000 }),
    );
    const rows = plan.viewers.map((v) => [
      v.name,
      v.isp.name,
      v.address,
      v.nat?.privateAddress ?? null,
      v.uplinkKbps,
    ]);
    expect(rows).toEqual([
      ['v1', 'isp1', '100.65.0.10', null, 500],
      ['v2', 'isp2', '100.66.0.10', null, 500],
      ['v3', 'isp3', '100.67.0.10', null, 500],
      ['v4', 'isp1', '100.65.0.11', null, 4000],
      ['v5', 'isp2', '100.66.0.11', null, 4000],
      ['v6', 'isp3', '100.67.0.11', null, 4000],
      ['v7', 'isp1', '100.65.0.12', '100.64.7.2', 4000],
      ['v8', 'isp2', '100.66.0.12', '100.64.8.2', 4000],
      ['v9', 'isp3', '100.67.0.12', '100.64.9.2', 4000],
    ]);
    expect(plan.isps.map((isp) => [isp.block, isp.asn, isp.country])).toEqual([
      ['100.65.0.0/16', 64496, 'DE'],
      ['100.66.0.0/16', 64497, 'DE'],
      ['100.67.0.0/16', 64498, 'FR'],
    ]);
  });

  it("sizes each ISP's transit by its viewers unless told, and 0 means unlimited", () => {
    const transit = (options: Parameters<typeof resolveLabConfig>[0]) =>
      planLab(resolveLabConfig(options)).isps.map((isp) => isp.transitKbps);
    expect(transit({ isps: 3, viewers: 10 })).toEqual(
      [4000, 3000, 3000].map((k) => (k / 1000) * TRANSIT_KBPS_PER_VIEWER),
    );
    // An ISP without viewers still gets one viewer's worth.
    expect(transit({ isps: 3, viewers: 2 })).toEqual([1, 1, 1].map((n) => n * TRANSIT_KBPS_PER_VIEWER));
    expect(transit({ isps: 2, viewers: 4, transitKbps: 2500 })).toEqual([2500, 2500]);
    expect(transit({ isps: 2, viewers: 4, transitKbps: 0 })).toEqual([null, null]);
  });

  it('shapes transit on the ISP bridge (in) and its ifb (out), matching only ISP space, not the services', () => {
    const commands = transitCommands('isp1', 'isp1out', 3000).map((args) => args.join(' '));
    expect(commands).toContain('class add dev isp1 parent 1: classid 1:1 htb rate 3000kbit ceil 3000kbit');
    expect(commands).toContain(
      `filter add dev isp1 parent 1: protocol ip prio 1 u32 match ip src ${LAB_BLOCK} flowid 1:1`,
    );
    expect(commands).toContain(
      `filter add dev isp1 parent ffff: protocol ip prio 1 u32 match ip dst ${LAB_BLOCK} action mirred egress redirect dev isp1out`,
    );
    expect(commands).toContain(
      `filter add dev isp1out parent 1: protocol ip prio 1 u32 match ip dst ${LAB_BLOCK} flowid 1:1`,
    );
    // No default class: what matches no filter (the services address) is not shaped.
    expect(commands.filter((line) => line.includes(' htb') && line.includes('default'))).toEqual([]);
    expect(commands.join('\n')).not.toContain('198.51.100');
  });

  it('gives every viewer its own address, also with one ISP and the most viewers', () => {
    const plan = planLab(resolveLabConfig({ isps: 1, viewers: 250, natShare: 1 }));
    expect(new Set(plan.viewers.map((v) => v.address)).size).toBe(250);
    expect(plan.viewers.at(-1)?.address).toBe('100.65.1.3');
    expect(plan.viewers.every((v) => v.nat !== null)).toBe(true);
  });

  it('rejects settings outside their range, naming the field', () => {
    for (const [options, field] of [
      [{ isps: 17 }, 'isps'],
      [{ viewers: 0 }, 'viewers'],
      [{ natShare: 1.5 }, 'natShare'],
      [{ uplinkKbps: 2 }, 'uplinkKbps'],
      [{ viewers: 3, cappedUploaders: 4 }, 'cappedUploaders'],
      [{ downlinkKbps: Number.NaN }, 'downlinkKbps'],
      [{ transitKbps: 3 }, 'transitKbps'],
    ] as const) {
      const error = (() => {
        try {
          resolveLabConfig(options);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(LabError);
      expect((error as LabError).message).toContain(field);
    }
  });
});
