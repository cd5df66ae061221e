// What the hash service may fetch: listed origins only (the port `*` for any port), no credentials, ids the
// worker makes; and where it may connect: public addresses, or loopback for a listed `localhost`, or the very
// address a listed IP literal names — never a private address reached through a name.
import { describe, expect, it } from 'vitest';
import { mayConnect } from '../../signal-server/hash-service/address-policy';
import { parseOriginAllowList } from '../../signal-server/hash-service/origin-allow-list';
import { segmentTarget } from '../../signal-server/hash-service/segment-target';

const allowed = (list: string, url: string) => {
  const policy = parseOriginAllowList(list);
  if (!policy) throw new Error('empty list');
  return policy(new URL(url));
};

describe('the origin allow-list (--hash-origins)', () => {
  it('is off when empty', () => {
    expect(parseOriginAllowList('')).toBeNull();
    expect(parseOriginAllowList(' , ')).toBeNull();
  });

  it('matches scheme, host and port exactly, default ports normalized, host case ignored', () => {
    const list = 'https://cdn.example.com, http://media.example:8080';
    expect(allowed(list, 'https://cdn.example.com/v/seg-1.ts')).toBe(true);
    expect(allowed(list, 'https://CDN.example.com:443/v/seg-1.ts')).toBe(true);
    expect(allowed(list, 'http://cdn.example.com/v/seg-1.ts')).toBe(false);
    expect(allowed(list, 'https://cdn.example.com:8443/v/seg-1.ts')).toBe(false);
    expect(allowed(list, 'https://evil.cdn.example.com/seg.ts')).toBe(false);
    expect(allowed(list, 'https://cdn.example.com.evil.net/seg.ts')).toBe(false);
    expect(allowed(list, 'http://media.example:8080/a.m4s')).toBe(true);
    expect(allowed(list, 'http://media.example/a.m4s')).toBe(false);
  });

  it('takes * as any port of that host and scheme', () => {
    const list = 'http://localhost:*';
    expect(allowed(list, 'http://localhost:41234/media/seg.ts')).toBe(true);
    expect(allowed(list, 'http://localhost/media/seg.ts')).toBe(true);
    expect(allowed(list, 'https://localhost:41234/media/seg.ts')).toBe(false);
    expect(allowed(list, 'http://127.0.0.1:41234/media/seg.ts')).toBe(false);
  });

  it('refuses at start what is not an origin, naming the entry', () => {
    for (const entry of [
      'cdn.example.com',
      'ftp://cdn.example.com',
      'https://cdn.example.com/vod/',
      'https://user:pw@cdn.example.com',
      'https://cdn.example.com?x=1',
      'https://*.example.com',
      'http://localhost:**',
    ])
      expect(() => parseOriginAllowList(`https://ok.example, ${entry}`), entry).toThrow(
        expect.objectContaining({ code: 'invalid-config', message: expect.stringContaining(entry) }),
      );
  });
});

describe('where the service may connect', () => {
  it('connects to public addresses for any listed name', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946'])
      expect(mayConnect('cdn.example.com', address), address).toBe(true);
  });

  it('never reaches a private, loopback, link-local or reserved address through a name (DNS rebinding)', () => {
    for (const address of [
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      '64:ff9b::a00:1',
      '2002:a00:1::1',
      'not an address',
    ])
      expect(mayConnect('cdn.example.com', address), address).toBe(false);
  });

  it('lets a listed localhost reach loopback, and only loopback', () => {
    expect(mayConnect('localhost', '127.0.0.1')).toBe(true);
    expect(mayConnect('localhost', '127.8.9.10')).toBe(true);
    expect(mayConnect('localhost', '::1')).toBe(true);
    expect(mayConnect('localhost', '10.0.0.1')).toBe(false);
    expect(mayConnect('localhost', '169.254.169.254')).toBe(false);
  });

  it('lets a listed IP literal reach that address only', () => {
    expect(mayConnect('10.0.0.5', '10.0.0.5')).toBe(true);
    expect(mayConnect('10.0.0.5', '10.0.0.6')).toBe(false);
    expect(mayConnect('[::1]', '::1')).toBe(true);
    expect(mayConnect('[fd00::5]', 'fd00::5')).toBe(true);
    expect(mayConnect('[fd00::5]', 'fd00::6')).toBe(false);
  });
});

describe('what a segment id makes the service fetch', () => {
  const list = parseOriginAllowList('https://cdn.example.com, http://localhost:*');
  if (!list) throw new Error('empty list');

  it('the URL and the byte range the id names', () => {
    expect(segmentTarget('https://cdn.example.com/v/seg-1.ts?n=5', list)).toEqual({
      url: new URL('https://cdn.example.com/v/seg-1.ts?n=5'),
      range: null,
      fileSize: null,
    });
    expect(segmentTarget('https://cdn.example.com/v/all.mp4#bytes=1373-200977', list)).toMatchObject({
      range: { start: 1373, end: 200977 },
      fileSize: null,
    });
    expect(segmentTarget('http://localhost:8080/movie.mp4#bytes=0-1048575/11546265', list)).toMatchObject({
      range: { start: 0, end: 1048575 },
      fileSize: 11546265,
    });
  });

  it('leaves other origins to the quorum and refuses credentials or ids the worker would not make', () => {
    expect(segmentTarget('https://other.example/seg.ts', list)).toBe('not-listed');
    expect(segmentTarget('sha256:abc', list)).toBe('not-listed');
    expect(segmentTarget('https://user:secret@cdn.example.com/seg.ts', list)).toBe('refused-policy');
    expect(segmentTarget('https://cdn.example.com/seg.ts#t=5', list)).toBe('refused-policy');
    expect(segmentTarget('https://cdn.example.com/seg.ts#bytes=9-1', list)).toBe('refused-policy');
  });
});
