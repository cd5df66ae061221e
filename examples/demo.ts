// `npm start`: everything a newcomer needs on one command — the test media (made once), the signal server
// and the local origin — then the URL to open in two browser windows. Ctrl-C stops it all.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startSignalServer } from '../signal-server/server';
import { resolveOriginConfig } from './origin/origin-config';
import { startOrigin } from './origin/start-origin';

const HELP = `Usage: npm start [-- flags]

  --port <n>          web page and media port          (default 8080; 0 picks a free one)
  --cdn-port <n>      cross-origin "CDN" media port    (default 8081)
  --signal-port <n>   signal server port               (default 9000)
  --log               log every request to the origin`;

function portFlag(value: string | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--${flag} must be 0..65535, got '${value}'`);
  return port;
}

function fail(message: string): never {
  console.error(`demo: ${message}`);
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'cdn-port': { type: 'string' },
    'signal-port': { type: 'string' },
    log: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const { rootDir } = resolveOriginConfig();
const media = spawnSync(process.execPath, [join(rootDir, 'examples', 'media', 'make-media.mjs')], {
  stdio: 'inherit',
});
if (media.status !== 0) process.exit(media.status ?? 1);

const signal = await startSignalServer({ port: portFlag(values['signal-port'], 9000, 'signal-port') }).catch(
  (error: Error) => fail(`signal server: ${error.message} (choose another with --signal-port)`),
);
const signalUrl = `ws://localhost:${signal.port}/`;
const origin = await startOrigin({
  port: portFlag(values.port, 8080, 'port'),
  cdnPort: portFlag(values['cdn-port'], 8081, 'cdn-port'),
  signal: signalUrl,
  log: values.log ?? false,
}).catch(async (error: Error) => {
  await signal.close();
  return fail(`origin: ${error.message}`);
});

const page = `${origin.url}/hls.js/`;
console.log(`
Peerlane demo
  signal server   ${signalUrl}  (engine: ${signal.engine})
  web + media     ${origin.url}
  "CDN" media     ${origin.cdnUrl}  (cross-origin; open the page with ?cdn to use it)

Open this page in two browser windows that do not share a profile (a normal and a private window,
or two different browsers):

    ${page}

Windows of one profile share the service worker and its cache, so the second would play from that cache
rather than from the first viewer. Start the second once the first plays: its "From peers" figure grows
while "From the CDN" stays small. Add ?p2p=off to the URL to compare without Peerlane.

The same with other players and streams:
    ${origin.url}/hls.js/?src=/media/live/master.m3u8   live HLS
    ${origin.url}/dash.js/    ${origin.url}/shaka/    ${origin.url}/video.js/?format=dash
    ${origin.url}/video/      (a plain <video src=file.mp4>)

Each page shows its own playback quality (startup, stalls, dropped frames, bitrate) as it reports it to the
signal server; what the server made of all viewers' reports: http://localhost:${signal.port}/metrics
(peerlane_qoe_*, for the Grafana dashboard deploy/grafana/peerlane.json).

Ctrl-C stops everything.`);

let stopping = false;
const stop = () => {
  if (stopping) process.exit(1); // A second Ctrl-C does not wait.
  stopping = true;
  console.log('\nstopping…');
  // Bounded: the signal server gives peers a few seconds to close.
  setTimeout(() => process.exit(0), 8_000).unref();
  void Promise.allSettled([origin.close(), signal.close()]).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
