// The page agent's options: defaults, validation with actionable errors, the script tag's data-* attributes.
import { describe, expect, it } from 'vitest';
import { optionsFromDataset, PEERLANE_DEFAULTS, resolveConfig, workerSettings } from '../../sw/agent/config';
import { PeerlaneError } from '../../sw/agent/errors';

function errorOf(run: () => unknown): PeerlaneError {
  try {
    run();
  } catch (error) {
    if (error instanceof PeerlaneError) return error;
    throw error;
  }
  throw new Error('expected a PeerlaneError');
}

describe('resolveConfig', () => {
  it('merges options over the documented defaults', () => {
    const config = resolveConfig({ signal: 'ws://localhost:9000/', maxPeers: 4, iceServers: [] });
    expect(config).toEqual({
      ...PEERLANE_DEFAULTS,
      signal: 'ws://localhost:9000/',
      maxPeers: 4,
      iceServers: [],
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('rejects a missing signal URL, unknown options and wrong types with the option named', () => {
    expect(errorOf(() => resolveConfig({}))).toMatchObject({
      code: 'invalid-option',
      details: { option: 'signal' },
    });
    const unknown = errorOf(() => resolveConfig({ signal: 'ws://x/', maxPeer: 3 } as never));
    expect(unknown.message).toContain("'maxPeer' is not a Peerlane option");
    const badUrl = errorOf(() => resolveConfig({ signal: 'ftp://x/' }));
    expect(badUrl.message).toMatch(/signal.*ftp:.*data-\* attribute/);
    expect(errorOf(() => resolveConfig({ signal: 'ws://x/', maxPeers: 0 })).details).toMatchObject({
      option: 'maxPeers',
    });
    expect(errorOf(() => resolveConfig({ signal: 'ws://x/', uploadCap: -1 })).details).toMatchObject({
      option: 'uploadCap',
    });
  });

  it('sends the worker only the settings the site chose', () => {
    expect(workerSettings(resolveConfig({ signal: 'ws://x/' }))).toEqual({});
    const chosen = resolveConfig({ signal: 'ws://x/', cacheMaxBytes: 1000, volatileParams: ['tok'] });
    expect(workerSettings(chosen)).toEqual({ cacheMaxBytes: 1000, volatileParams: ['tok'] });
  });
});

describe('optionsFromDataset', () => {
  it('maps data-* attributes onto options by name, with their types', () => {
    const options = optionsFromDataset({
      signal: 'wss://signal.example.com/',
      key: 'site-1',
      maxPeers: '8',
      uploadCap: 'Infinity',
      volatileParams: 'token, exp,,sig',
      iceServers: '[{"urls":"stun:stun.example.com"}]',
      prefetch: 'false',
      unrelated: 'ignored',
    });
    expect(options).toEqual({
      signal: 'wss://signal.example.com/',
      key: 'site-1',
      maxPeers: 8,
      uploadCap: Number.POSITIVE_INFINITY,
      volatileParams: ['token', 'exp', 'sig'],
      iceServers: [{ urls: 'stun:stun.example.com' }],
      prefetch: false,
    });
    expect(() => resolveConfig(options)).not.toThrow();
  });

  it('reports a malformed attribute instead of guessing', () => {
    expect(errorOf(() => optionsFromDataset({ iceServers: '[{urls' })).details).toMatchObject({
      option: 'iceServers',
    });
    const config = () => resolveConfig(optionsFromDataset({ signal: 'ws://x/', maxPeers: 'eight' }));
    expect(errorOf(config).details).toMatchObject({ option: 'maxPeers' });
  });
});
