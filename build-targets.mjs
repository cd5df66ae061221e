// What build.mjs builds, shared with the tools that build one piece on their own
// (`npx peerlane-signal` and `npx peerlane-hashes` on a fresh clone, the benchmarks; see run-prebuilt.mjs).

/** esbuild options every target uses. */
export const common = { bundle: true, sourcemap: true, logLevel: 'warning' };

const browser = { platform: 'browser', target: ['chrome100', 'firefox100', 'safari15'], minify: true };

/** Node ES modules; node_modules stay external (uWebSockets.js is a native addon). */
export const node = {
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
};

export const signalServerTarget = {
  ...node,
  entryPoints: ['signal-server/main.ts'],
  outfile: 'dist/signal-server.mjs',
};

/** `npx peerlane-hashes`: writes origin hash sidecars (sidecars/). */
export const hashesCliTarget = {
  ...node,
  entryPoints: ['sidecars/main.ts'],
  outfile: 'dist/peerlane-hashes.mjs',
};

export const targets = [
  // The service worker: a classic script, so a site with its own worker can importScripts() it.
  { ...browser, entryPoints: ['sw/worker/index.ts'], outfile: 'dist/peerlane-sw.js', format: 'iife' },
  // The page script: classic (defines window.Peerlane) and ES module builds.
  {
    ...browser,
    entryPoints: ['sw/agent/index.ts'],
    outfile: 'dist/peerlane.js',
    format: 'iife',
    globalName: 'Peerlane',
  },
  { ...browser, entryPoints: ['sw/agent/index.ts'], outfile: 'dist/peerlane.mjs', format: 'esm' },
  signalServerTarget,
  hashesCliTarget,
  // Dev tools: the local test origin and the one-command demo (signal server + origin).
  { ...node, entryPoints: ['examples/origin/main.ts'], outfile: 'dist/origin.mjs' },
  { ...node, entryPoints: ['examples/demo.ts'], outfile: 'dist/demo.mjs' },
  // The network lab's CLI (as root): build one by hand, or remove what crashed runs left behind.
  { ...node, entryPoints: ['lab/main.ts'], outfile: 'dist/lab.mjs' },
];
