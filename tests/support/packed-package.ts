// What a site gets from `npm pack` + `npm i`: packs a copy of this working tree (so `prepack` builds there, never
// under the tests' feet in dist/), then installs the tarball into an empty site directory. The site's lockfile pins
// the package's dependencies as this repository's lock does, so the install runs offline from the tarballs `npm ci`
// put in the npm cache (no registry metadata needed); from the registry only when the cache lacks one.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM_FLAGS = ['--no-audit', '--no-fund', '--ignore-scripts'];

export interface PackedFile {
  path: string;
  size: number;
}

export interface InstalledPackage {
  /** `npm pack --json`'s file list. */
  files: PackedFile[];
  /** The site's directory: package.json and node_modules/ with the package installed. */
  site: string;
  /** The installed package's directory (site/node_modules/<name>). */
  dir: string;
  /** How the install went: 'offline' (npm cache) or 'online'. */
  install: 'offline' | 'online';
  remove(): void;
}

/** Packs and installs; `name` is the package's name. */
export async function packAndInstall(name: string): Promise<InstalledPackage> {
  const work = mkdtempSync(join(tmpdir(), 'peerlane-pack-'));
  const copy = join(work, 'repo');
  const site = join(work, 'site');
  try {
    // Tracked and new files as they are now (not yet committed changes included), without what git ignores.
    const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const path of stdout.split('\0').filter((path) => path && existsSync(join(ROOT, path)))) {
      mkdirSync(dirname(join(copy, path)), { recursive: true });
      copyFileSync(join(ROOT, path), join(copy, path));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const packed = await run('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: copy,
      maxBuffer: 16 * 1024 * 1024,
    });
    const [report] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as {
      filename: string;
      files: PackedFile[];
    }[];
    if (!report) throw new Error(`npm pack reported nothing:\n${packed.stdout}`);

    mkdirSync(site);
    const spec = `file:../${report.filename}`;
    const dependencies = { [name]: spec };
    writeFileSync(
      join(site, 'package.json'),
      JSON.stringify({ name: 'site', private: true, type: 'module', dependencies }),
    );
    writeFileSync(join(site, 'package-lock.json'), JSON.stringify(siteLock(name, spec)));
    let install: InstalledPackage['install'] = 'offline';
    try {
      await run('npm', ['ci', '--offline', ...NPM_FLAGS], { cwd: site });
    } catch {
      install = 'online';
      await run('npm', ['ci', ...NPM_FLAGS], { cwd: site });
    }
    return {
      files: report.files,
      site,
      dir: join(site, 'node_modules', name),
      install,
      remove: () => rmSync(work, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

interface LockEntry {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

/**
 * A site's package-lock.json with the package (from its tarball at `spec`) and the closure of its dependencies,
 * each entry as this repository's lock has it (same place in node_modules, resolved URL and integrity).
 */
function siteLock(name: string, spec: string) {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as LockEntry & {
    bin?: object;
  };
  const ours = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<
    string,
    LockEntry
  >;
  const { version, license, dependencies = {}, bin, engines } = manifest;
  const packages: Record<string, LockEntry> = {
    '': { name: 'site', dependencies: { [name]: spec } },
    [`node_modules/${name}`]: { version, resolved: spec, license, dependencies, bin, engines },
  };
  /** Where Node finds `dependency` from the package at `from`: its own node_modules, then each parent's. */
  const locate = (from: string, dependency: string): string => {
    for (let base = from; ; base = base.slice(0, Math.max(0, base.lastIndexOf('/node_modules/')))) {
      const path = `${base ? `${base}/` : ''}node_modules/${dependency}`;
      if (ours[path]) return path;
      if (!base) throw new Error(`package-lock.json has no ${dependency} for ${from || 'the root'}`);
    }
  };
  const pending: [from: string, dependency: string][] = Object.keys(dependencies).map((dependency) => [
    '',
    dependency,
  ]);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const path = locate(...next);
    if (packages[path]) continue;
    // A development dependency here may be a production one of the site's install: the flags go.
    const { dev: _dev, devOptional: _devOptional, ...entry } = ours[path] as LockEntry;
    packages[path] = entry;
    for (const dependency of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies }))
      pending.push([path, dependency]);
  }
  return { name: 'site', lockfileVersion: 3, requires: true, packages };
}
