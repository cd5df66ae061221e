// What build.mjs builds, shared with the tools that build one piece on their own (run-command.mjs on a git
// clone, the benchmarks, deploy/Dockerfile). Shipped in the package, where run-command.mjs finds a command's bundle.
import { readFileSync } from 'node:fs';

/** esbuild options every target uses. */
export const common = { bundle: true, sourcemap: true, logLevel: 'warning' };

const browser = { platform: 'browser', target: ['chrome100', 'firefox100', 'safari15'], minify: true };

/** Node ES modules. */
const nodeModule = { platform: 'node', format: 'esm', target: 'node20' };

/** Dev tools' bundles: every package stays external (uWebSockets.js is a native addon). */
export const node = { ...nodeModule, packages: 'external' };

const {
  bin,
  dependencies = {},
  optionalDependencies = {},
} = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/**
 * The bundle a command runs. A command (package.json `bin`) is a launcher at `<folder>/bin/<name>.mjs`, the same two
 * lines for every command, running `<folder>/main.ts` bundled to `dist/<folder>.mjs` (run-command.mjs): adding a
 * command is its `bin` line, that launcher and its main.ts. The package's runtime dependencies stay external
 * (installed with it; uWebSockets.js is a native addon); anything else a command uses — peerlane-hashes reads
 * manifests with the worker's parsers — is bundled in, so an install never pulls the browser libraries.
 */
export function commandTarget(launcher) {
  const folder = launcher.slice(0, launcher.indexOf('/bin/'));
  return {
    ...nodeModule,
    external: [...Object.keys(dependencies), ...Object.keys(optionalDependencies)],
    entryPoints: [`${folder}/main.ts`],
    outfile: `dist/${folder}.mjs`,
  };
}

export const signalServerTarget = commandTarget(bin['peerlane-signal']);

/**
 * The service worker: a classic script, so a site with its own worker can importScripts() it. Its test hooks
 * (sw/worker/test-hooks.ts) are compiled out; tests/support/test-worker.ts builds a copy with them on.
 */
export const workerTarget = {
  ...browser,
  entryPoints: ['sw/worker/index.ts'],
  outfile: 'dist/peerlane-sw.js',
  format: 'iife',
  define: { PEERLANE_TEST_HOOKS: 'false' },
};

export const targets = [
  workerTarget,
  // The page script: classic (defines window.Peerlane) and ES module builds.
  {
    ...browser,
    entryPoints: ['sw/agent/index.ts'],
    outfile: 'dist/peerlane.js',
    format: 'iife',
    globalName: 'Peerlane',
  },
  { ...browser, entryPoints: ['sw/agent/index.ts'], outfile: 'dist/peerlane.mjs', format: 'esm' },
  // The commands (package.json `bin`): the signal server, peerlane-hashes.
  ...Object.values(bin).map(commandTarget),
  // Dev tools: the local test origin and the one-command demo (signal server + origin).
  { ...node, entryPoints: ['examples/origin/main.ts'], outfile: 'dist/origin.mjs' },
  { ...node, entryPoints: ['examples/demo.ts'], outfile: 'dist/demo.mjs' },
  // The network lab's CLI (as root): build one by hand, or remove what crashed runs left behind.
  { ...node, entryPoints: ['lab/main.ts'], outfile: 'dist/lab.mjs' },
];
