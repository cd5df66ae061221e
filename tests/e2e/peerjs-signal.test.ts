// The stock peerjs client, unpatched, in two headless Chromium pages: both connect through our signal server
// (the CLI `npx peerlane-signal` runs) and move 4 MiB over a reliable data channel, bytes verified.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { DataConnection, Peer } from 'peerjs';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sha256Hex } from '../../protocol/sha256-hex';
import { launchChromium } from '../support/browser';
import { type SignalProcess, startSignalProcess } from '../support/signal-process';
import { type StaticServer, startStaticServer } from '../support/static-server';

const TOTAL_BYTES = 4 * 1024 * 1024;
// Well under Chromium's 256 KiB message limit; 256 messages make a real stream, not one blob.
const CHUNK_BYTES = 16 * 1024;
const SENDER_ID = `sender-${Date.now().toString(36)}`;
const METADATA = { stream: 'e2e', rendition: '720p' };

const PAGE =
  '<!doctype html><meta charset="utf-8"><title>peerjs e2e</title>' +
  '<script src="/peerjs.min.js"></script><script src="/sha256-hex.js"></script>';
// The product's digest helper, handed to the page as a classic script (it uses only WebCrypto).
const SHA256_SCRIPT = `window.sha256Hex = ${sha256Hex.toString()};`;

type PeerWindow = Window & {
  Peer: typeof Peer;
  sha256Hex: typeof sha256Hex;
  /** Kept on the page so a failure can report where the transfer stood. */
  peer?: Peer;
  conn?: DataConnection;
  bytes?: number;
  received?: Promise<Received>;
};
interface Received {
  bytes: number;
  digest: string;
  from: string;
  metadata: unknown;
  serialization: string;
}

let signal: SignalProcess;
let site: StaticServer;
let browser: Browser;
/** Page console and errors, both pages: a failure shows what peerjs said, not only a timeout. */
const pageLogs: string[] = [];
const pages = new Map<string, Page>();

beforeAll(async () => {
  signal = await startSignalProcess();
  const peerjsDist = dirname(createRequire(import.meta.url).resolve('peerjs'));
  site = await startStaticServer({
    root: peerjsDist,
    routes: {
      '/': { body: PAGE, type: 'text/html' },
      '/sha256-hex.js': { body: SHA256_SCRIPT, type: 'text/javascript' },
      '/favicon.ico': { body: '', type: 'image/x-icon' },
    },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await signal?.stop();
});

async function openPage(name: string): Promise<Page> {
  // Each viewer gets its own browser context, as two people on two machines would.
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.on('console', (message) => pageLogs.push(`${name} ${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => pageLogs.push(`${name} pageerror: ${error.message}`));
  await page.goto(`${site.origin}/`);
  await page.waitForFunction(() => typeof (window as unknown as PeerWindow).Peer === 'function');
  pages.set(name, page);
  return page;
}

/** Where a page's peer and connection stand: signaling (socket), ICE, data channel, bytes. */
function snapshot(page: Page): Promise<string> {
  const read = page.evaluate(() => {
    const { peer, conn, bytes } = window as unknown as PeerWindow;
    return JSON.stringify({
      peer: peer ? { id: peer.id, disconnected: peer.disconnected, destroyed: peer.destroyed } : null,
      ice: conn?.peerConnection?.iceConnectionState,
      channel: conn?.dataChannel?.readyState,
      buffered: conn?.dataChannel?.bufferedAmount,
      bytes,
    });
  });
  const cap = new Promise<string>((resolve) => setTimeout(() => resolve('(page did not answer)'), 5_000));
  return Promise.race([read, cap]).catch((error: Error) => `(page failed: ${error.message})`);
}

/** Settles like `step`, or fails after `ms` saying which step hung, with the pages' and server's output. */
function within<T>(what: string, ms: number, step: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      const states = await Promise.all(
        [...pages].map(async ([name, page]) => `${name}: ${await snapshot(page)}`),
      );
      const logs = pageLogs.slice(-30).join('\n');
      const server = signal.output();
      reject(
        new Error(
          `${what}: not done within ${ms} ms\n${states.join('\n')}\n${logs}\n--- server ---\n${server}`,
        ),
      );
    }, ms);
  });
  return Promise.race([step, timeout]).finally(() => clearTimeout(timer));
}

/** What each page passes to `new Peer()`: our server on localhost, loopback only, errors logged. */
function peerOptions() {
  return {
    host: 'localhost',
    port: signal.port,
    path: '/',
    key: 'peerjs',
    debug: 1,
    config: { iceServers: [] },
  };
}

it('moves 4 MiB intact between two stock peerjs clients signalled by our server', async () => {
  const receiverPage = await openPage('receiver');
  const senderPage = await openPage('sender');

  // The receiver lets the server pick its id (GET <path><key>/id), then waits for one connection's data.
  const receiverId = await within(
    'receiver gets OPEN and an id',
    30_000,
    receiverPage.evaluate(
      (options: ReturnType<typeof peerOptions>, total: number) =>
        new Promise<string>((resolve, reject) => {
          const win = window as unknown as PeerWindow;
          const peer = new win.Peer(options);
          win.peer = peer;
          peer.on('error', (error) => reject(new Error(`receiver: ${error.type}: ${error.message}`)));
          peer.on('open', (id) => resolve(id));
          win.received = new Promise<Received>((done, fail) => {
            peer.on('error', fail);
            peer.on('connection', (conn: DataConnection) => {
              const chunks: Uint8Array[] = [];
              let bytes = 0;
              win.conn = conn;
              conn.on('error', fail);
              conn.on('data', (data) => {
                const chunk = new Uint8Array(data as ArrayBuffer);
                chunks.push(chunk);
                bytes += chunk.byteLength;
                win.bytes = bytes;
                if (bytes < total) return;
                const all = new Uint8Array(bytes);
                let offset = 0;
                for (const each of chunks) {
                  all.set(each, offset);
                  offset += each.byteLength;
                }
                void win.sha256Hex(all).then((digest) =>
                  done({
                    bytes,
                    digest,
                    from: conn.peer,
                    metadata: conn.metadata,
                    serialization: conn.serialization,
                  }),
                );
              });
            });
          });
        }),
      peerOptions(),
      TOTAL_BYTES,
    ),
  );
  expect(receiverId).toMatch(/\S/);

  // The sender sends random chunks, waiting on `bufferedamountlow` whenever the channel holds over 1 MiB.
  const sentDigest = await within(
    'sender connects and sends',
    90_000,
    senderPage.evaluate(
      (
        options: ReturnType<typeof peerOptions>,
        ids: { sender: string; receiver: string },
        sizes: { total: number; chunk: number },
        metadata: unknown,
      ) =>
        new Promise<string>((resolve, reject) => {
          const win = window as unknown as PeerWindow;
          const peer = new win.Peer(ids.sender, options);
          win.peer = peer;
          peer.on('error', (error) => reject(new Error(`sender: ${error.type}: ${error.message}`)));
          peer.on('open', () => {
            const conn = peer.connect(ids.receiver, { reliable: true, serialization: 'raw', metadata });
            win.conn = conn;
            conn.on('error', reject);
            conn.on('open', async () => {
              const channel = conn.dataChannel;
              channel.bufferedAmountLowThreshold = 256 * 1024;
              const all = new Uint8Array(sizes.total);
              for (let offset = 0; offset < sizes.total; offset += sizes.chunk) {
                const chunk = all.subarray(offset, offset + sizes.chunk);
                crypto.getRandomValues(chunk);
                if (channel.bufferedAmount > 1024 * 1024) {
                  await new Promise((drained) =>
                    channel.addEventListener('bufferedamountlow', drained, { once: true }),
                  );
                }
                conn.send(chunk);
                win.bytes = offset + chunk.byteLength;
              }
              resolve(await win.sha256Hex(all));
            });
          });
        }),
      peerOptions(),
      { sender: SENDER_ID, receiver: receiverId },
      { total: TOTAL_BYTES, chunk: CHUNK_BYTES },
      METADATA,
    ),
  );

  const received = await within(
    'receiver gets every byte',
    60_000,
    receiverPage.evaluate(() => (window as unknown as PeerWindow).received),
  );
  expect(received).toEqual({
    bytes: TOTAL_BYTES,
    digest: sentDigest,
    // The OFFER reached the receiver with `src` filled in by the server: peerjs names the connection after it.
    from: SENDER_ID,
    // The OFFER payload was relayed unchanged: the options chosen by the sender arrive as sent.
    metadata: METADATA,
    serialization: 'raw',
  });
});
