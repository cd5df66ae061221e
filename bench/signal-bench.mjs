// Entry of `npm run bench:signal`: bundles the TypeScript benchmark (bench/signal/) into dist/bench/ and runs it.
// Three entry points, because the reference server and each load client run in their own processes.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { common, node } from '../build-targets.mjs';

await build({
  ...common,
  ...node,
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  entryPoints: ['bench/signal/main.ts', 'bench/signal/load-client.ts', 'bench/signal/reference-server.ts'],
  outdir: 'dist/bench',
  outExtension: { '.js': '.mjs' },
});
await import('../dist/bench/main.mjs');
