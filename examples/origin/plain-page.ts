// `?p2p=off` on an example page: the page as the site had it before Peerlane, without its /peerlane.js tag, so the
// demo and the swarm harness compare against a CDN-only page that neither loads the script nor installs the worker
// (the tag's `data-sw` would install it while the page loads).
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

const PEERLANE_TAG = /^[ \t]*<script src="\/peerlane\.js"[^>]*><\/script>\r?\n/m;

/** Whether this request asks for an example page without Peerlane. */
export function wantsPlainPage(url: URL, file: string): boolean {
  return url.searchParams.get('p2p') === 'off' && file.endsWith('.html');
}

export async function servePlainPage(
  request: IncomingMessage,
  response: ServerResponse,
  file: string,
  cacheControl: string,
): Promise<void> {
  const html = await readFile(file, 'utf8').catch(() => null);
  if (html === null) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    return;
  }
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': cacheControl });
  response.end(request.method === 'HEAD' ? undefined : html.replace(PEERLANE_TAG, ''));
}
