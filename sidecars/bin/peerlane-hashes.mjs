#!/usr/bin/env node
// `npx peerlane-hashes DIR`: runs dist/peerlane-hashes.mjs, first (re)building it with esbuild when it is missing
// or older than the sources (a fresh clone, or an edit since the last build).
import { runPrebuilt } from '../../run-prebuilt.mjs';

await runPrebuilt({
  command: 'peerlane-hashes',
  target: 'hashesCliTarget',
  outfile: 'dist/peerlane-hashes.mjs',
  // The command's own folder, and the worker's manifest parsers and the wire formats it shares.
  sources: ['sidecars', 'sw', 'protocol'],
});
