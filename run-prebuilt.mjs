// Runs a command's prebuilt bundle in dist/ (package.json `bin`), first (re)building it with esbuild when it is
// missing or older than its sources: a fresh clone, or an edit since the last build. An installed package ships
// dist/ and no sources, so it runs the bundle as is. Used by every bin/ script.
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('./', import.meta.url));

/**
 * `command`: its name, for messages. `target`: the export of build-targets.mjs that builds it. `outfile`: its bundle,
 * relative to the repository. `sources`: the folders it is built from.
 */
export async function runPrebuilt({ command, target, outfile, sources }) {
  const bundle = `${root}${outfile}`;
  const folders = sources.map((folder) => `${root}${folder}`);
  const builtAt = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
  const stale = folders.some(
    (folder) =>
      existsSync(folder) &&
      readdirSync(folder, { recursive: true }).some(
        (name) => name.endsWith('.ts') && statSync(`${folder}/${name}`).mtimeMs > builtAt,
      ),
  );
  if (stale && existsSync(`${root}build-targets.mjs`)) await rebuild(command, target, bundle, builtAt);
  await import(pathToFileURL(bundle).href);
}

async function rebuild(command, target, bundle, builtAt) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    if (!builtAt) {
      process.stderr.write(
        `${command}: ${bundle} is missing and esbuild is not installed.\nRun \`npm ci && npm run build\` in ${root}\n`,
      );
      process.exit(1);
    }
    process.stderr.write(`${command}: ${bundle} is older than its sources; run \`npm run build\`\n`);
    return;
  }
  // Same settings as build.mjs. Written aside, then renamed: processes started at the same moment never import a
  // half-written file (the source map goes inline, so it needs no renaming).
  const targets = await import('./build-targets.mjs');
  const temporary = `${bundle}.${process.pid}.tmp`;
  await esbuild.build({
    ...targets.common,
    ...targets[target],
    absWorkingDir: root,
    outfile: temporary,
    sourcemap: 'inline',
  });
  renameSync(temporary, bundle);
}
