// The layout rules the code is kept to (issue 15): protocol/ is the one wire contract, so sw/ and signal-server/
// import it and never each other; no import circles; no file over 300 lines; signal-server/ stays grouped by role.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHECKED = ['sw', 'signal-server', 'protocol'];
const MAX_LINES = 300;
const MAX_SERVER_TOP_FILES = 12;

/** Repository-relative paths of every .ts file under `folder`. */
function sourcesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name).split('\\').join('/'));
}

/** What a relative specifier in `file` names: a .ts file (or folder index), else the path as written. */
function resolveImport(file: string, specifier: string): string {
  const base = join(dirname(file), specifier);
  for (const candidate of [`${base}.ts`, `${base}.d.ts`, join(base, 'index.ts'), base]) {
    const path = join(ROOT, candidate);
    if (existsSync(path) && statSync(path).isFile()) return candidate.split('\\').join('/');
  }
  return base.split('\\').join('/');
}

/** Every relative import of each file (type-only imports and re-exports included), resolved. */
function importGraph(files: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    const relativeImports = importedFiles.map((ref) => ref.fileName).filter((name) => name.startsWith('.'));
    graph.set(
      file,
      relativeImports.map((specifier) => resolveImport(file, specifier)),
    );
  }
  return graph;
}

/** Groups of files that import each other, directly or around a circle (Tarjan's strongly connected components). */
function importCircles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file) as number);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file) as number, low.get(next) as number));
      } else if (onStack.has(next))
        low.set(file, Math.min(low.get(file) as number, index.get(next) as number));
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    const selfImport = graph.get(file)?.includes(file) ?? false;
    if (component.length > 1 || selfImport) circles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return circles;
}

const topFolder = (path: string) => path.split('/')[0] as string;

/** Imports from sw/ into signal-server/ or back, as `file → target`. */
function crossings(graph: Map<string, string[]>): string[] {
  const apart = (from: string, to: string) =>
    (from === 'sw' && to === 'signal-server') || (from === 'signal-server' && to === 'sw');
  return [...graph].flatMap(([file, imports]) =>
    imports
      .filter((target) => apart(topFolder(file), topFolder(target)))
      .map((target) => `${file} → ${target}`),
  );
}

const files = CHECKED.flatMap(sourcesUnder);
const graph = importGraph(files);

describe('layout', () => {
  it('finds the sources it checks', () => {
    for (const folder of CHECKED)
      expect(
        files.some((file) => topFolder(file) === folder),
        folder,
      ).toBe(true);
  });

  it('keeps sw/ and signal-server/ apart: both import protocol/, never each other', () => {
    expect(crossings(graph)).toEqual([]);
  });

  it('keeps protocol/ self-contained: it imports nothing outside protocol/', () => {
    const outside = [...graph]
      .filter(([file]) => topFolder(file) === 'protocol')
      .flatMap(([file, imports]) =>
        imports.filter((target) => topFolder(target) !== 'protocol').map((target) => `${file} → ${target}`),
      );
    expect(outside).toEqual([]);
  });

  it('has no import circles (type-only imports count too)', () => {
    expect(importCircles(graph)).toEqual([]);
  });

  it(`has no source file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').trimEnd().split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it(`keeps signal-server/ grouped: at most ${MAX_SERVER_TOP_FILES} files at its top, each folder says what it owns`, () => {
    const server = join(ROOT, 'signal-server');
    const entries = readdirSync(server, { withFileTypes: true });
    const topFiles = entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
    expect(topFiles.length, topFiles.join(', ')).toBeLessThanOrEqual(MAX_SERVER_TOP_FILES);
    const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    const undescribed = folders.filter((folder) => !existsSync(join(server, folder, 'README.md')));
    expect(undescribed).toEqual([]);
  });

  it('would catch a circle and a crossing (the checks themselves work)', () => {
    const bad = new Map([
      ['sw/a.ts', ['sw/b.ts']],
      ['sw/b.ts', ['sw/a.ts', 'signal-server/c.ts']],
      ['signal-server/c.ts', []],
    ]);
    expect(importCircles(bad)).toEqual([['sw/a.ts', 'sw/b.ts']]);
    expect(crossings(bad)).toEqual(['sw/b.ts → signal-server/c.ts']);
    expect(resolveImport('sw/worker/index.ts', '../../protocol/sha256-hex')).toBe('protocol/sha256-hex.ts');
  });
});
