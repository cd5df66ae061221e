// package.json as an installable package: every command (bin) has its bundle in build-targets.mjs `commands` and
// the other way round, and the entry points sites use stay in what is packed. (The packed package itself, installed
// and run: tests/e2e/package-install.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Manifest {
  private?: boolean;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
  files: string[];
  scripts: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Manifest;
const buildTargets = new URL('../../build-targets.mjs', import.meta.url).href;

describe('package.json', () => {
  it('is publishable and builds dist/ before packing', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest.scripts.prepack).toBe('node build.mjs');
  });

  it('runs every bin through run-command.mjs with a command of the same name, and has a bin for every command', async () => {
    const { commands } = (await import(buildTargets)) as { commands: Record<string, unknown> };
    expect(Object.keys(manifest.bin).sort()).toEqual(Object.keys(commands).sort());
    for (const [name, file] of Object.entries(manifest.bin)) {
      const launcher = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
      expect(launcher, file).toMatch(/^#!\/usr\/bin\/env node\n/);
      expect(launcher, file).toContain(`runCommand('${name}')`);
    }
  });

  it('exports the page API with its types first, the worker and the classic script', () => {
    const root = manifest.exports['.'] as Record<string, string>;
    expect(Object.keys(root)[0]).toBe('types');
    expect(root).toEqual({ types: expect.stringMatching(/\.d\.ts$/), import: './dist/peerlane.mjs' });
    expect(manifest.exports['./sw']).toBe('./dist/peerlane-sw.js');
    expect(manifest.exports['./script']).toBe('./dist/peerlane.js');
  });
});
