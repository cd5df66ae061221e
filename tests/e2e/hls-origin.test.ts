// The local origin the HLS tests and the demo play from: correct HTTP for media (types, ranges, CORS on the
// cross-origin CDN), the Peerlane scripts at the site root, and nothing outside the folders it serves.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningOrigin, startOrigin } from '../../examples/origin/start-origin';
import type { HashSidecarJson } from '../../protocol/hash-sidecar-format';
import { sha256Hex } from '../../protocol/sha256-hex';
import { defaultWorkerSettings, workerLimits } from '../../sw/worker/config';
import { parseHashSidecar } from '../../sw/worker/hash-sidecar';
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

describe('hash sidecars', () => {
  /** The sidecar a response names, fetched from the CDN, checked with the worker's own parser. */
  async function sidecarOf(response: Response): Promise<{ url: string; json: HashSidecarJson }> {
    const header = response.headers.get('peerlane-hashes');
    expect(header, `Peerlane-Hashes on ${response.url}`).toBeTruthy();
    const url = new URL(header as string, response.url).href;
    const text = await (await fetch(url)).text();
    const parsed = parseHashSidecar(text, url, {
      volatileParams: [],
      pieceBytes: defaultWorkerSettings.pieceBytes,
      maxEntries: workerLimits.maxOriginHashes,
    });
    expect(parsed.ok, url).toBe(true);
    return { url, json: JSON.parse(text) };
  }

  async function hashOf(url: string, range?: [number, number]) {
    const headers = range ? { range: `bytes=${range[0]}-${range[1]}` } : undefined;
    const body = new Uint8Array(await (await fetch(url, { headers })).arrayBuffer());
    return { size: body.byteLength, sha256: await sha256Hex(body) };
  }

  it('publishes, for every VoD output, the true size and SHA-256 of each segment its manifests list', async () => {
    const media = JSON.parse(readFileSync(join(origin.config.mediaDir, 'media.json'), 'utf8'));
    const entries = media.outputs.filter(({ entry }: { entry: string }) => !entry.endsWith('.mp4'));
    expect(entries.length).toBeGreaterThanOrEqual(5);
    for (const { dir, entry } of entries) {
      const response = await fetch(`${cdn}/media/${dir}/${entry}`, { headers: { origin: origin.url } });
      expect(response.headers.get('access-control-expose-headers')).toContain('peerlane-hashes');
      const text = await response.text();
      // A master playlist's folder has its (empty) sidecar; each media playlist names its own folder's.
      const manifests = entry.endsWith('.m3u8')
        ? text
            .split('\n')
            .filter((line) => line.endsWith('.m3u8'))
            .map((line) => new URL(line, response.url).href)
        : [response.url];
      let hashes = 0;
      for (const manifest of manifests) {
        const { url, json } = await sidecarOf(manifest === response.url ? response : await fetch(manifest));
        for (const { url: relative, range, size, sha256 } of json.segments ?? []) {
          hashes++;
          expect(await hashOf(new URL(relative, url).href, range), `${dir}/${relative}`).toEqual({
            size,
            sha256,
          });
        }
      }
      expect(hashes, dir).toBeGreaterThanOrEqual(30);
    }
  });

  it("publishes the progressive file's piece hashes in the worker's default piece size", async () => {
    const response = await fetch(`${cdn}/media/progressive/movie.mp4`, { headers: { range: 'bytes=0-0' } });
    await response.arrayBuffer();
    const { url, json } = await sidecarOf(response);
    const [file] = json.files ?? [];
    expect(file?.pieceBytes).toBe(defaultWorkerSettings.pieceBytes);
    const pieceBytes = file?.pieceBytes ?? 0;
    const pieces = file?.pieces ?? [];
    expect(pieces.length).toBe(Math.ceil((file?.size ?? 0) / pieceBytes));
    for (const [index, sha256] of pieces.entries()) {
      const end = Math.min((index + 1) * pieceBytes, file?.size ?? 0) - 1;
      const got = await hashOf(new URL(file?.url ?? '', url).href, [index * pieceBytes, end]);
      expect(got.sha256, `piece ${index}`).toBe(sha256);
    }
  });

  it('publishes the live window: every segment the live playlist lists, with its hash', async () => {
    const response = await fetch(`${cdn}/media/live/360p/index.m3u8`);
    const playlist = await response.text();
    const { url, json } = await sidecarOf(response);
    const listed = playlist.split('\n').filter((line) => line.startsWith('seg-'));
    expect(listed.length).toBe(origin.config.live.windowSegments);
    const published = new Map((json.segments ?? []).map((entry) => [new URL(entry.url, url).href, entry]));
    for (const name of listed) {
      const segmentUrl = new URL(name, response.url).href;
      const entry = published.get(segmentUrl);
      expect(entry, segmentUrl).toBeDefined();
      expect(await hashOf(segmentUrl)).toEqual({ size: entry?.size, sha256: entry?.sha256 });
    }
  });

  it('publishes nothing when publishHashes is off', async () => {
    const plain = await startOrigin({ port: 0, distDir, publishHashes: false });
    try {
      const response = await fetch(`${plain.url}/media/hls/master.m3u8`);
      expect(response.headers.get('peerlane-hashes')).toBeNull();
      expect((await fetch(`${plain.url}/media/hls/peerlane-hashes.json`)).status).toBe(404);
      expect((await fetch(`${plain.url}/media/live/peerlane-hashes.json`)).status).toBe(404);
    } finally {
      await plain.close();
    }
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
      iceServers: [],
      media: '/media/',
      cdnMedia: `${cdn}/media/`,
    });
  });

  it('serves an example page without its Peerlane tag for p2p=off (the CDN-only page to compare with)', async () => {
    for (const name of ['hls.js', 'dash.js', 'shaka', 'video.js', 'video']) {
      const withPeerlane = await (await fetch(`${origin.url}/${name}/`)).text();
      const plain = await (await fetch(`${origin.url}/${name}/?p2p=off`)).text();
      expect(withPeerlane, name).toContain('<script src="/peerlane.js"');
      expect(plain, name).not.toContain('<script src="/peerlane.js"');
      expect(plain.split('\n').length, name).toBe(withPeerlane.split('\n').length - 1);
      expect(plain, name).toContain('main.js');
    }
  });

  it('hands pages the STUN/TURN servers it was given (the network lab passes its coturn)', async () => {
    const iceServers = [{ urls: 'turn:198.51.100.2:3478?transport=udp', username: 'u', credential: 'p' }];
    const withIce = await startOrigin({ port: 0, distDir, iceServers });
    try {
      expect(await (await fetch(`${withIce.url}/config.json`)).json()).toMatchObject({ iceServers });
    } finally {
      await withIce.close();
    }
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
