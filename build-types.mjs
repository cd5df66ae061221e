// Declarations of the page API (`import … from 'peerlane'`) into dist/types/: TypeScript's own declaration emit
// for sw/agent/index.ts, keeping only the files its declaration reaches, with `.js` on every relative import so
// they resolve under any moduleResolution. Fails if they would need a package the site does not install.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('./', import.meta.url));
const ENTRY = 'sw/agent/index.ts';
export const TYPES_DIR = 'dist/types';
const RELATIVE_IMPORT = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+?)(?:\.js)?\2/g;

export function buildTypes() {
  const { config } = ts.readConfigFile(join(root, 'tsconfig.base.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const program = ts.createProgram([join(root, ENTRY)], {
    ...options,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: root,
    outDir: join(root, TYPES_DIR),
  });
  const emitted = new Map();
  const { diagnostics } = program.emit(
    undefined,
    (file, text) => emitted.set(resolve(file), text),
    undefined,
    true,
  );
  if (diagnostics.length > 0)
    throw new Error(ts.formatDiagnostics(diagnostics, ts.createCompilerHost(options)));

  const entry = resolve(root, TYPES_DIR, ENTRY.replace(/\.ts$/, '.d.ts'));
  const kept = new Map();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (kept.has(file)) continue;
    const text = emitted.get(file);
    if (text === undefined) throw new Error(`no declaration emitted for ${relative(root, file)}`);
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!fileName.startsWith('.')) {
        throw new Error(
          `${relative(root, file)} imports '${fileName}': the page API's types must stand alone`,
        );
      }
      pending.push(resolve(dirname(file), `${fileName.replace(/\.js$/, '')}.d.ts`));
    }
    kept.set(file, text.replace(RELATIVE_IMPORT, '$1$2$3.js$2'));
  }
  rmSync(join(root, TYPES_DIR), { recursive: true, force: true });
  for (const [file, text] of kept) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return relative(root, entry);
}
