// The local origin the HLS tests and the demo play from: correct HTTP for media (types, ranges, CORS on the
// cross-origin CDN), the Peerlane scripts at the site root, and nothing outside the folders it serves.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOrigin, startOrigin } from '../../examples/origin/start-origin';
import { ensureMedia, type MediaSegment, mediaSegments } from '../support/stack';

const SIGNAL = 'ws://localhost:9/';
let origin: RunningOrigin;
let cdn: string;
let segment: MediaSegment;
// Stand-ins for the built scripts: this test is about routing, not about the build.
const distDir = mkdtempSync(join(tmpdir(), 'peerlane-origin-test-'));

beforeAll(async () => {
  await ensureMedia();
  for (const name of ['peerlane.js', 'peerlane-sw.js']) writeFileSync(join(distDir, name), `// ${name}\n`);
  origin = await startOrigin({ port: 0, cdnPort: 0, signal: SIGNAL, distDir });
  cdn = origin.cdnUrl as string;
  segment = mediaSegments(origin.config.mediaDir, '360p')[2] as MediaSegment;
});

afterAll(async () => {
  await origin?.close();
  rmSync(distDir, { recursive: true, force: true });
});

describe('media', () => {
  it('serves playlists and segments with their content types and caching', async () => {
    const playlist = await fetch(`${origin.url}/media/hls/master.m3u8`);
    expect(playlist.status).toBe(200);
    expect(playlist.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(playlist.headers.get('cache-control')).toBe('no-cache');
    expect(await playlist.text()).toContain('#EXT-X-STREAM-INF');

    const response = await fetch(`${origin.url}${segment.path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp2t');
    expect(response.headers.get('content-length')).toBe(String(segment.size));
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('cache-control')).toContain('max-age');
    expect((await response.arrayBuffer()).byteLength).toBe(segment.size);
  });

  it('answers a Range request with 206, Content-Range and exactly those bytes', async () => {
    const file = new Uint8Array(
      readFileSync(join(origin.config.mediaDir, segment.path.slice('/media/'.length))),
    );
    const response = await fetch(`${origin.url}${segment.path}`, { headers: { range: 'bytes=100-1099' } });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 100-1099/${file.byteLength}`);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(file.subarray(100, 1100));

    const suffix = await fetch(`${origin.url}${segment.path}`, { headers: { range: 'bytes=-10' } });
    expect(suffix.status).toBe(206);
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(file.subarray(-10));
  });

  it('answers a Range beyond the end with 416 and the size', async () => {
    const response = await fetch(`${origin.url}${segment.path}`, {
      headers: { range: `bytes=${segment.size}-` },
    });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${segment.size}`);
  });

  it('revalidates with ETag (304) and ignores a Range whose If-Range no longer matches', async () => {
    const first = await fetch(`${origin.url}${segment.path}`);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${origin.url}${segment.path}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const stale = await fetch(`${origin.url}${segment.path}`, {
      headers: { range: 'bytes=0-9', 'if-range': '"stale"' },
    });
    expect(stale.status).toBe(200);
  });

  it('lets other origins read media from the CDN, Range included (CORS)', async () => {
    const response = await fetch(`${cdn}${segment.path}`, {
      headers: { origin: origin.url, range: 'bytes=0-99' },
    });
    expect(response.status).toBe(206);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toContain('content-range');

    const preflight = await fetch(`${cdn}${segment.path}`, {
      method: 'OPTIONS',
      headers: {
        origin: origin.url,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'range',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('range');
  });

  it('serves only media on the CDN', async () => {
    expect((await fetch(`${cdn}/hls.js/`)).status).toBe(404);
    expect((await fetch(`${cdn}/peerlane.js`)).status).toBe(404);
  });
});

describe('site', () => {
  it('serves the Peerlane scripts at the root, where the worker gets the whole site as scope', async () => {
    for (const name of ['peerlane.js', 'peerlane-sw.js']) {
      const response = await fetch(`${origin.url}/${name}`);
      expect(response.status, name).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    }
  });

  it('serves the example page, hls.js from node_modules and the page config', async () => {
    const page = await fetch(`${origin.url}/`);
    expect(page.url).toBe(`${origin.url}/hls.js/`);
    expect(await page.text()).toContain('<script src="/peerlane.js"></script>');
    expect((await fetch(`${origin.url}/vendor/hls.js/hls.min.js`)).status).toBe(200);
    expect(await (await fetch(`${origin.url}/config.json`)).json()).toEqual({
      signal: SIGNAL,
      media: '/media/',
      cdnMedia: `${cdn}/media/`,
    });
  });

  it('refuses paths outside its folders and its TypeScript sources', async () => {
    // fetch() would normalize `..` away; a raw request path is what an attacker sends.
    const raw = (path: string) =>
      new Promise<number>((resolve, reject) => {
        get({ host: 'localhost', port: origin.port, path }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });
    expect(await raw('/media/../../package.json')).toBe(404);
    expect(await raw('/media/%2e%2e/make-media.mjs')).toBe(404);
    expect(await raw('/vendor/hls.js/../../../package.json')).toBe(404);
    expect(await raw('/origin/start-origin.ts')).toBe(404);
    expect(await raw('/vendor/peerjs/package.json')).toBe(404);
  });

  it('rejects methods other than GET, HEAD and OPTIONS', async () => {
    expect((await fetch(`${origin.url}/media/hls/master.m3u8`, { method: 'POST' })).status).toBe(405);
  });
});

it('startOrigin fails with an actionable error when the media is missing', async () => {
  await expect(startOrigin({ port: 0, mediaDir: '/nonexistent' })).rejects.toMatchObject({
    code: 'media-missing',
    message: expect.stringContaining('make-media.mjs'),
  });
});
