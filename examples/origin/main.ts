// CLI of the local test origin (built to dist/origin.mjs): flags map one to one onto OriginConfig.
// node dist/origin.mjs --port 0 --cdn-port 0 --signal ws://localhost:9000/   → "origin listening on <port>"
import { parseArgs } from 'node:util';
import type { OriginOptions } from './origin-config';
import { OriginError } from './origin-error';
import { startOrigin } from './start-origin';

const HELP = `Usage: node dist/origin.mjs [flags]

Serves the example pages, dist/peerlane*.js at the site root, player libraries under /vendor/ and the
test media (examples/media/out, made by examples/media/make-media.mjs) under /media/:
  /media/hls/master.m3u8    VoD, three renditions
  /media/live/master.m3u8   live: the VoD looped on the wall clock since start, sliding-window playlists

  --port <n>               site port; 0 picks a free one              (default 8080)
  --cdn-port <n>           also serve /media/ with CORS on this port, a cross-origin "CDN"; 0 picks a free one
  --host <name>            interface to bind                           (default localhost)
  --signal <url>           signal server URL handed to pages in /config.json, e.g. ws://localhost:9000/
  --ice-servers <json>     STUN/TURN servers handed to pages in /config.json, a JSON array of RTCIceServer
                           objects, e.g. '[{"urls":"stun:198.51.100.2:3478"}]'   (default [])
  --log                    one line per request
  --live-window <n>        segments per live media playlist             (default 6)
  --no-program-date-time   leave EXT-X-PROGRAM-DATE-TIME out of live playlists
  --no-publish-hashes      no hash sidecars (/media/<dir>/peerlane-hashes.json) and no Peerlane-Hashes header
  --hash-sidecar-files     serve the peerlane-hashes.json files \`npx peerlane-hashes\` wrote into the media
                           folder instead of hashing at start (the live stream then has none)
A constrained CDN, for every media response (playlists and segments, both ports):
  --cdn-total-mbps <x>     cap on media bytes to all viewers, Mbit/s     (default none)
  --cdn-viewer-mbps <x>    cap per viewer, Mbit/s                        (default none)
  --cdn-latency-ms <n>     added time to first byte, ms                  (default 0)
  A viewer is the value of the 'peerlane-viewer' cookie or 'x-peerlane-viewer' header, else one connection.
  Media bytes sent, per viewer: GET /traffic.json
  --help                   this text`;

function parseFlags(argv: string[]): OriginOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'cdn-port': { type: 'string' },
      host: { type: 'string' },
      signal: { type: 'string' },
      'ice-servers': { type: 'string' },
      log: { type: 'boolean' },
      'live-window': { type: 'string' },
      'no-program-date-time': { type: 'boolean' },
      'no-publish-hashes': { type: 'boolean' },
      'hash-sidecar-files': { type: 'boolean' },
      'cdn-total-mbps': { type: 'string' },
      'cdn-viewer-mbps': { type: 'string' },
      'cdn-latency-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const port = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new OriginError('bad-flag', `--${flag} must be 0..65535`);
    return n;
  };
  // Numbers as written (NaN when not one): resolveOriginConfig checks them and names the flag.
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  return {
    port: port('port', values.port),
    cdnPort: port('cdn-port', values['cdn-port']),
    host: values.host,
    signal: values.signal,
    iceServers:
      values['ice-servers'] === undefined ? undefined : parseJson('ice-servers', values['ice-servers']),
    log: values.log,
    publishHashes: values['no-publish-hashes'] ? false : values['hash-sidecar-files'] ? 'files' : undefined,
    live: {
      windowSegments: number(values['live-window']),
      programDateTime: values['no-program-date-time'] ? false : undefined,
    },
    cdn: {
      totalMbps: number(values['cdn-total-mbps']),
      viewerMbps: number(values['cdn-viewer-mbps']),
      latencyMs: number(values['cdn-latency-ms']),
    },
  };
}

function parseJson(flag: string, text: string): OriginOptions['iceServers'] {
  try {
    return JSON.parse(text);
  } catch {
    throw new OriginError('bad-flag', `--${flag} must be JSON, got '${text.slice(0, 60)}'`);
  }
}

try {
  const options = parseFlags(process.argv.slice(2));
  if (options === 'help') {
    console.log(HELP);
  } else {
    const origin = await startOrigin(options);
    console.log(`origin listening on ${origin.port}`);
    if (origin.cdnPort !== null) console.log(`cdn listening on ${origin.cdnPort}`);
    console.log(`open ${origin.url}/hls.js/ (live: ${origin.url}/hls.js/?src=/media/live/master.m3u8)`);
    const stop = () => void origin.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
} catch (error) {
  if (
    !(error instanceof OriginError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))
  ) {
    throw error;
  }
  console.error(`origin: ${(error as Error).message}`);
  process.exit(2);
}
