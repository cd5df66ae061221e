#!/usr/bin/env node
// Entry of `npm run swarm`: bundles the TypeScript harness (bench/swarm/) into dist/bench/ and runs it.
// The bundle sits two folders below the root, like tests/support/, so its import.meta.url-relative paths hold.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { common, node } from '../../build-targets.mjs';

await build({
  ...common,
  ...node,
  absWorkingDir: fileURLToPath(new URL('../..', import.meta.url)),
  entryPoints: ['bench/swarm/main.ts'],
  outfile: 'dist/bench/swarm.mjs',
});
await import('../../dist/bench/swarm.mjs');
