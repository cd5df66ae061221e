// A private copy of the test stream for one harness invocation: both runs serve the very same bytes, and a
// regeneration of examples/media/out meanwhile (an edit of make-media.mjs) cannot pull files from under a run.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOriginConfig } from '../../examples/origin/origin-config';
import { ensureMedia } from '../../tests/support/stack';

/** What the origin reads: the manifest it checks for, and the HLS renditions (VoD and, looped, live). */
const SERVED = ['media.json', 'hls'];

export interface MediaSnapshot {
  dir: string;
  remove(): void;
}

export async function snapshotMedia(): Promise<MediaSnapshot> {
  await ensureMedia();
  const source = resolveOriginConfig().mediaDir;
  const dir = mkdtempSync(join(tmpdir(), 'peerlane-swarm-media-'));
  for (const entry of SERVED) cpSync(join(source, entry), join(dir, entry), { recursive: true });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
