// package.json as an installable package: publishable, every command (bin) laid out as run-command.mjs expects,
// and the entry points sites use. (The packed package itself, installed and run: tests/e2e/package-install.test.ts.)
import { existsSync, readFileSync } from 'node:fs';
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

  it('has every command as <folder>/bin/<name>.mjs, the shared two-line launcher of <folder>/main.ts', async () => {
    const { commandTarget } = (await import(buildTargets)) as {
      commandTarget(launcher: string): { entryPoints: string[]; outfile: string };
    };
    const launcherOf = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const reference = launcherOf(manifest.bin['peerlane-signal'] as string);
    expect(reference).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(reference).toContain('await runCommand(import.meta.url);');
    for (const [name, file] of Object.entries(manifest.bin)) {
      expect(file, name).toMatch(new RegExp(`^[\\w-]+/bin/${name}\\.mjs$`));
      expect(launcherOf(file), file).toBe(reference);
      const { entryPoints } = commandTarget(file);
      expect(existsSync(new URL(`../../${entryPoints[0]}`, import.meta.url)), `${file}: its main.ts`).toBe(
        true,
      );
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
