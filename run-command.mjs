// Runs one of the package's commands (package.json `bin`) from its bundle in dist/ (build-targets.mjs
// commandTarget). In a git clone, where the sources are, the bundle is first (re)built with esbuild when it is
// missing or older than them (a fresh clone, or an edit since the last build); an installed package runs it as built.
import { existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commandTarget, common } from './build-targets.mjs';

const root = fileURLToPath(new URL('./', import.meta.url));
/** What every command may import besides its own folder. */
const SHARED_SOURCES = ['protocol', 'sw'];

/** Newest modification time of the .ts files under `folders` (0 when none is there, as in an installed package). */
function newestSource(folders) {
  let newest = 0;
  for (const folder of folders.map((name) => `${root}${name}`).filter((path) => existsSync(path))) {
    for (const name of readdirSync(folder, { recursive: true })) {
      if (name.endsWith('.ts')) newest = Math.max(newest, statSync(`${folder}/${name}`).mtimeMs);
    }
  }
  return newest;
}

async function rebuild(name, target, outfile, builtAt) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    if (!builtAt) {
      process.stderr.write(
        `${name}: ${target.outfile} is missing and esbuild is not installed.\n` +
          `Run \`npm ci && npm run build\` in ${root}\n`,
      );
      process.exit(1);
    }
    process.stderr.write(`${name}: ${target.outfile} is older than its sources; run \`npm run build\`\n`);
    return;
  }
  // Same settings as build.mjs. Written aside, then renamed: processes started at the same moment never import a
  // half-written file (the source map goes inline, so it needs no renaming).
  const temporary = `${outfile}.${process.pid}.tmp`;
  await esbuild.build({ ...common, ...target, absWorkingDir: root, outfile: temporary, sourcemap: 'inline' });
  renameSync(temporary, outfile);
}

/** Runs the command whose launcher is `launcherUrl` (its import.meta.url): its bundle's top level is the command. */
export async function runCommand(launcherUrl) {
  const launcher = relative(root, fileURLToPath(launcherUrl)).split('\\').join('/');
  const target = commandTarget(launcher);
  const name = launcher.slice(launcher.lastIndexOf('/') + 1, -'.mjs'.length);
  const sources = [launcher.slice(0, launcher.indexOf('/bin/')), ...SHARED_SOURCES];
  const outfile = `${root}${target.outfile}`;
  const builtAt = existsSync(outfile) ? statSync(outfile).mtimeMs : 0;
  const entry = `${root}${target.entryPoints[0]}`;
  if (existsSync(entry) && newestSource(sources) > builtAt) await rebuild(name, target, outfile, builtAt);
  await import(pathToFileURL(outfile).href);
}
