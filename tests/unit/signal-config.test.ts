// Config resolution and validation, and the 1:1 mapping of fields to flags and PEERLANE_* env variables.
import { describe, expect, it } from 'vitest';
import { envName, flagName, parseCliArgs } from '../../signal-server/cli-args';
import { configFields, defaultSignalServerConfig, resolveConfig } from '../../signal-server/config';

describe('config and command line', () => {
  it('resolves defaults, normalizes the path, and rejects invalid values with the field name', () => {
    expect(resolveConfig()).toEqual({ ...defaultSignalServerConfig });
    expect(resolveConfig({ path: 'signal' }).path).toBe('/signal/');
    expect(() => resolveConfig({ port: 70_000 })).toThrow(/port/);
    expect(() => resolveConfig({ maxQueuedTotal: 0 })).toThrow(/maxQueuedTotal/);
    expect(() => resolveConfig({ idleTimeoutMs: 1.5 })).toThrow(/idleTimeoutMs/);
    expect(() => resolveConfig({ key: 'a b' })).toThrow(/key/);
  });

  it('maps every field to one flag and one env variable, flags winning', () => {
    expect(new Set(configFields.map(flagName)).size).toBe(configFields.length);
    expect(flagName('maxPayloadBytes')).toBe('--max-payload-bytes');
    expect(envName('maxPayloadBytes')).toBe('PEERLANE_MAX_PAYLOAD_BYTES');
    const request = parseCliArgs(
      ['--port=0', '--allow-fallback', '--max-queued-total', '5_000', '--key', 'k1'],
      {
        PEERLANE_KEY: 'env',
        PEERLANE_HOST: '127.0.0.1',
        PEERLANE_ALLOW_DISCOVERY: 'true',
      },
    );
    expect(request).toEqual({
      kind: 'run',
      overrides: {
        port: 0,
        allowFallback: true,
        maxQueuedTotal: 5000,
        key: 'k1',
        host: '127.0.0.1',
        allowDiscovery: true,
      },
    });
    expect(parseCliArgs(['--port', '1', '--help'], {}).kind).toBe('help');
    expect(() => parseCliArgs(['--port'], {})).toThrow(/value after --port/);
    expect(() => parseCliArgs([], { PEERLANE_ALLOW_FALLBACK: 'maybe' })).toThrow(/true or false/);
  });
});
