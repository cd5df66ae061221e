// The package as a site installs it: `npm pack` output installed into an empty directory holds the page API with
// types that compile in the site's own `tsc`, the worker and the classic script reachable through `exports` and
// served as they are, none of the browser libraries (they are bundled), and commands that run from it.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InstalledPackage, packAndInstall } from '../support/packed-package';
import { startSignalProcess } from '../support/signal-process';
import { startStaticServer } from '../support/static-server';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};
/** Bundled into dist/peerlane*.js: a site must not download them again. */
const BUNDLED = ['idb', 'm3u8-parser', 'mpd-parser', 'peerjs', 'workbox-core'];
/** What `peerlane-signal` imports at run time. */
const SERVER_RUNTIME = ['ioredis', 'prom-client', 'uWebSockets.js'];

/** A site's page code: every part of the public API, and two misuses its types must refuse. */
const SITE_CODE = `
import { clear, destroy, off, on, PeerlaneError, ready, start, stats } from '${manifest.name}';
import type { ErrorCode, PeerlaneEvents, PeerlaneOptions, PeerlaneStats } from '${manifest.name}';

const options: Partial<PeerlaneOptions> = { signal: 'wss://signal.example.com/', mediaUrls: ['/media/'] };
await start(options);
await ready;
const now: PeerlaneStats = stats();
const share: number = now.p2pBytes / Math.max(1, now.httpBytes + now.p2pBytes + now.cacheBytes);
const onLoaded = (event: PeerlaneEvents['segment-loaded']) => console.log(event.segment.url, event.source, share);
on('segment-loaded', onLoaded);
off('segment-loaded', onLoaded);
on('error', (error) => {
  const code: ErrorCode = error.code;
  if (error instanceof PeerlaneError) console.warn(code, error.message);
});
await clear();
destroy();
// @ts-expect-error: not one of Peerlane's events
on('segment-lost', () => {});
// @ts-expect-error: maxPeers is a number
await start({ signal: 'wss://signal.example.com/', maxPeers: 'many' });
`;

const SITE_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  },
  files: ['page.ts'],
};

let installed: InstalledPackage;

beforeAll(async () => {
  installed = await packAndInstall(manifest.name);
  console.log(`packed ${installed.files.length} files, installed ${installed.install}`);
}, 300_000);

afterAll(() => installed?.remove());

describe('the packed package, installed into an empty site', () => {
  it('holds the built scripts, their types and the commands, and no sources or dev tools', () => {
    const paths = installed.files.map((file) => file.path);
    const targets = [
      ...Object.values(manifest.exports).flatMap((target) =>
        typeof target === 'string' ? [target] : Object.values(target),
      ),
      ...Object.values(manifest.bin),
    ].map((target) => target.replace(/^\.\//, ''));
    expect(paths).toEqual(expect.arrayContaining(targets));
    const unwanted = paths.filter(
      (path) => (path.endsWith('.ts') && !path.endsWith('.d.ts')) || /^dist\/(origin|demo)\./.test(path),
    );
    expect(unwanted).toEqual([]);
  });

  it('installs the server runtime but none of the browser libraries the scripts bundle', () => {
    const present = (dependency: string) => {
      try {
        readFileSync(join(installed.site, 'node_modules', dependency, 'package.json'));
        return true;
      } catch {
        return false;
      }
    };
    expect(BUNDLED.filter(present)).toEqual([]);
    expect(SERVER_RUNTIME.filter((dependency) => !present(dependency))).toEqual([]);
  });

  it("compiles a site's page code against the page API's types (tsc --noEmit, no skipLibCheck)", async () => {
    writeFileSync(join(installed.site, 'page.ts'), SITE_CODE);
    writeFileSync(join(installed.site, 'tsconfig.json'), JSON.stringify(SITE_TSCONFIG));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', installed.site]).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${result.stdout}${result.stderr}`).toBe('');
  });

  it('resolves the page API, the worker and the classic script through `exports`, and serves them', async () => {
    const specifiers = [manifest.name, `${manifest.name}/sw`, `${manifest.name}/script`];
    writeFileSync(
      join(installed.site, 'resolve.mjs'),
      `console.log(JSON.stringify(${JSON.stringify(specifiers)}.map((name) => import.meta.resolve(name))));`,
    );
    const { stdout } = await run(process.execPath, ['resolve.mjs'], { cwd: installed.site });
    const [page, worker, script] = (JSON.parse(stdout) as string[]).map((url) => fileURLToPath(url));
    expect([page, worker, script]).toEqual(
      ['peerlane.mjs', 'peerlane-sw.js', 'peerlane.js'].map((file) => join(installed.dir, 'dist', file)),
    );
    // The site copies them as they are: the worker to its root, the page script next to its pages.
    const files = { '/peerlane-sw.js': worker, '/peerlane.js': script, '/peerlane.mjs': page } as Record<
      string,
      string
    >;
    const site = await startStaticServer({
      routes: Object.fromEntries(
        Object.entries(files).map(([path, file]) => [
          path,
          { body: readFileSync(file, 'utf8'), type: 'text/javascript; charset=utf-8' },
        ]),
      ),
    });
    try {
      for (const [path, file] of Object.entries(files)) {
        const response = await fetch(`${site.origin}${path}`);
        expect(response.status, path).toBe(200);
        const body = await response.text();
        expect(body, path).toBe(readFileSync(file, 'utf8'));
        expect(body.length, path).toBeGreaterThan(10_000);
      }
    } finally {
      await site.close();
    }
  });

  it('runs every command from the installed package (--help), and peerlane-signal serves /healthz', async () => {
    const binOf = (command: string) => join(installed.site, 'node_modules', '.bin', command);
    for (const command of Object.keys(manifest.bin)) {
      const { stdout } = await run(process.execPath, [binOf(command), '--help'], { cwd: installed.site });
      expect(stdout, command).toContain(command);
    }
    const signal = await startSignalProcess({ script: binOf('peerlane-signal'), args: ['--port', '0'] });
    try {
      const response = await fetch(`http://127.0.0.1:${signal.port}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', engine: 'native' });
    } finally {
      await signal.stop();
    }
  });
});
