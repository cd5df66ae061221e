// Builds every shipped artifact into dist/ with esbuild. `node build.mjs --watch` rebuilds on change.
import { build, context } from 'esbuild';

const browser = { platform: 'browser', target: ['chrome100', 'firefox100', 'safari15'] };

const node = {
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // Lets bundled CommonJS-style code call require() from an ES module.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
};

const targets = [
  // The service worker: a classic script, so a site with its own worker can importScripts() it.
  { ...browser, entryPoints: ['sw/worker/index.ts'], outfile: 'dist/peerlane-sw.js', format: 'iife' },
  // The page script: classic (defines window.Peerlane) and ES module builds.
  { ...browser, entryPoints: ['sw/agent/index.ts'], outfile: 'dist/peerlane.js', format: 'iife', globalName: 'Peerlane' },
  { ...browser, entryPoints: ['sw/agent/index.ts'], outfile: 'dist/peerlane.mjs', format: 'esm' },
  // The signal server: Node ESM; node_modules stay external (uWebSockets.js is a native addon).
  { ...node, entryPoints: ['signal-server/main.ts'], outfile: 'dist/signal-server.mjs' },
  // Dev tools: the local test origin and the one-command demo (signal server + origin).
  { ...node, entryPoints: ['examples/origin/main.ts'], outfile: 'dist/origin.mjs' },
  { ...node, entryPoints: ['examples/demo.ts'], outfile: 'dist/demo.mjs' },
];

const common = { bundle: true, sourcemap: true, logLevel: 'warning' };

if (process.argv.includes('--watch')) {
  for (const target of targets) await (await context({ ...common, ...target })).watch();
} else {
  await Promise.all(targets.map((target) => build({ ...common, ...target })));
}
