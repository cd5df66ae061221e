#!/usr/bin/env node
// `npx peerlane-signal`: runs dist/signal-server.mjs, first (re)building it with esbuild when it is missing
// or older than the sources (a fresh clone, or an edit since the last build).
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** What the server bundle is built from: its own folder and the wire protocol it imports. */
const sources = ['signal-server', 'protocol'].map((folder) => `${root}${folder}`);
const entry = `${root}signal-server/main.ts`;
const outfile = `${root}dist/signal-server.mjs`;

const builtAt = existsSync(outfile) ? statSync(outfile).mtimeMs : 0;
const stale = sources.some(
  (folder) =>
    existsSync(folder) &&
    readdirSync(folder, { recursive: true }).some(
      (name) => name.endsWith('.ts') && statSync(`${folder}/${name}`).mtimeMs > builtAt,
    ),
);

if (stale && existsSync(entry)) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    if (!builtAt) {
      process.stderr.write(
        'peerlane-signal: dist/signal-server.mjs is missing and esbuild is not installed.\n' +
          `Run \`npm ci && npm run build\` in ${root}\n`,
      );
      process.exit(1);
    }
    process.stderr.write(
      'peerlane-signal: dist/signal-server.mjs is older than its sources; run `npm run build`\n',
    );
  }
  if (esbuild) {
    // Same settings as build.mjs. Written aside, then renamed: processes started at the same moment never
    // import a half-written file (the source map goes inline, so it needs no renaming).
    const { common, signalServerTarget } = await import('../../build-targets.mjs');
    const temporary = `${outfile}.${process.pid}.tmp`;
    await esbuild.build({
      ...common,
      ...signalServerTarget,
      absWorkingDir: root,
      outfile: temporary,
      sourcemap: 'inline',
    });
    renameSync(temporary, outfile);
  }
}

await import(pathToFileURL(outfile).href);
