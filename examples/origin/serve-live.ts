// Answers `/media/live/…`: the master playlist (the VoD one), a rendition's current media playlist, or one of
// its segments (a VoD file under a per-sequence URL); all shaped and counted as media by the CDN model.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HASHES_HEADER } from '../../protocol/hash-sidecar-format';
import type { CdnShaper } from './cdn-shaper';
import { contentTypeOf } from './content-type';
import type { HashSidecars } from './hash-sidecars';
import type { LiveStream } from './live-stream';
import type { OriginConfig } from './origin-config';
import { CORS_HEADERS, serveFile } from './serve-file';

export interface LiveRequest {
  /** null for the master playlist. */
  rendition: string | null;
  name: string;
}

export async function serveLive(
  request: IncomingMessage,
  response: ServerResponse,
  target: LiveRequest,
  context: { live: LiveStream; config: OriginConfig; shaper: CdnShaper; hashes: HashSidecars | null },
): Promise<void> {
  const { live, config, shaper, hashes } = context;
  const { rendition, name } = target;
  const playlist = name.endsWith('.m3u8');
  const delivery = shaper.delivery(request, response, playlist ? 'playlist' : 'segment');
  const headers = hashes?.liveHeader ? { [HASHES_HEADER]: hashes.liveHeader } : {};
  if (rendition === null) {
    const file = live.masterFile;
    const cacheControl = config.cacheControl.playlist;
    await serveFile(request, response, { file, cacheControl, cors: true, headers }, delivery);
    return;
  }
  if (!(await delivery.firstByte())) return;
  // Read after the added latency: what the CDN would hold when the response leaves it.
  const now = Date.now();
  if (playlist) {
    const text = name === 'index.m3u8' ? live.mediaPlaylist(rendition, now) : null;
    if (text === null) return notFound(response, `no live rendition '${rendition}'`);
    const body = new TextEncoder().encode(text);
    response.writeHead(200, {
      'content-type': contentTypeOf(name),
      'content-length': body.byteLength,
      'cache-control': config.cacheControl.playlist,
      ...CORS_HEADERS,
      ...headers,
    });
    if (request.method === 'HEAD') response.end();
    else await delivery.send(body);
    return;
  }
  const file = live.segmentFile(rendition, name, now);
  if (file === null) return notFound(response, 'no such live segment (yet)');
  const cacheControl = config.cacheControl.segment;
  await serveFile(request, response, { file, cacheControl, cors: true }, { ...delivery, firstByte: ready });
}

const ready = () => Promise.resolve(true);

function notFound(response: ServerResponse, hint: string): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...CORS_HEADERS }).end(`${hint}\n`);
}
