// Writes one folder's sidecar next to its manifests, atomically (a temporary file renamed over the old one, so
// an origin never serves half a sidecar) and only when its content changed (a CDN keeps its cached copy).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DirectorySidecar, SIDECAR_NAME } from './plan-sidecars';

/** The sidecar's path, and whether it was written ('unchanged': the file already held exactly this). */
export function writeSidecar(root: string, sidecar: DirectorySidecar): { path: string; written: boolean } {
  const path = join(root, sidecar.dir, SIDECAR_NAME);
  const text = `${JSON.stringify(sidecar.json)}\n`;
  let previous: string | undefined;
  try {
    previous = readFileSync(path, 'utf8');
  } catch {
    previous = undefined;
  }
  if (previous === text) return { path, written: false };
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
  return { path, written: true };
}
