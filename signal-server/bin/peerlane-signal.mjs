#!/usr/bin/env node
// `npx peerlane-signal`: runs dist/signal-server.mjs, first (re)building it with esbuild when it is missing
// or older than the sources (a fresh clone, or an edit since the last build).
import { runPrebuilt } from '../../run-prebuilt.mjs';

await runPrebuilt({
  command: 'peerlane-signal',
  target: 'signalServerTarget',
  outfile: 'dist/signal-server.mjs',
  // What the server bundle is built from: its own folder and the wire protocol it imports.
  sources: ['signal-server', 'protocol'],
});
