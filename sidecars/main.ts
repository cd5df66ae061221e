// The peerlane-hashes command (built to dist/sidecars.mjs): writes the hash sidecar of every folder of
// manifests and MP4s under each DIR, once, or (--watch) again whenever a live packager changes a playlist.
// Exit code 0: all written; 1: an input could not be described (named on stderr; the others were written); 2: usage.
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HASHES_HEADER } from '../protocol/hash-sidecar-format';
import { defaultWorkerSettings } from '../sw/worker/config';
import { FileDigests } from './file-digests';
import { assembleSidecars, describeTree, SIDECAR_NAME } from './plan-sidecars';
import type { SidecarError } from './sidecar-error';
import { watchSidecars } from './watch-sidecars';
import { writeSidecar } from './write-sidecar';

const USAGE = `Usage: peerlane-hashes [--watch] [--interval-ms N] [--piece-bytes N] DIR...

Writes ${SIDECAR_NAME} into every folder under DIR that holds a manifest (HLS .m3u8, DASH .mpd) or an MP4:
the size and SHA-256 of each segment its manifests list (EXT-X-MAP init sections and byte ranges, DASH
SegmentTemplate, SegmentList, SegmentBase with its sidx) and of each piece of its progressive MP4s. Serve every
manifest and MP4 with the response header

  ${HASHES_HEADER}: ${SIDECAR_NAME}

(relative to the manifest's URL: the sidecar in the same folder) and viewers share from the second one on.
  --watch            keep going: rewrite a folder's sidecar whenever its playlists change (a live packager);
                     a live playlist's sidecar lists its window and the one before
  --interval-ms N    how often --watch looks at the playlists                         (default 1000)
  --piece-bytes N    piece size of progressive MP4s: the viewers' pieceBytes           (default ${defaultWorkerSettings.pieceBytes})
Exit code: 0 all written, 1 an input could not be read (named on stderr, the others were written), 2 usage.`;

interface Options {
  dirs: string[];
  watch: boolean;
  intervalMs: number;
  pieceBytes: number;
}

function parse(argv: string[]): Options | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      watch: { type: 'boolean' },
      'interval-ms': { type: 'string' },
      'piece-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const positive = (flag: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new UsageError(`--${flag} must be a positive integer, got '${value}'`);
    return n;
  };
  if (positionals.length === 0) throw new UsageError('name at least one DIR');
  for (const dir of positionals)
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`'${dir}' is not a directory`);
  return {
    dirs: positionals,
    watch: values.watch ?? false,
    intervalMs: positive('interval-ms', values['interval-ms'], 1000),
    pieceBytes: positive('piece-bytes', values['piece-bytes'], defaultWorkerSettings.pieceBytes),
  };
}

class UsageError extends Error {}

const say = (line: string) => void process.stdout.write(`${line}\n`);
const complain = (line: string) => process.stderr.write(`peerlane-hashes: ${line}\n`);
const reportError = (error: SidecarError) => complain(error.message);

/** Writes every sidecar under `root`; returns how many inputs failed. */
function writeAll(root: string, pieceBytes: number): number {
  const tree = describeTree(root, { pieceBytes, now: Date.now() }, new FileDigests());
  const { sidecars, errors } = assembleSidecars(root, tree);
  for (const warning of tree.warnings) complain(`warning: ${warning}`);
  for (const sidecar of sidecars) {
    const { path, written } = writeSidecar(root, sidecar);
    say(`${path}: ${sidecar.hashes} hashes${written ? '' : ' (unchanged)'}`);
  }
  for (const error of [...tree.errors, ...errors]) reportError(error);
  return tree.errors.length + errors.length;
}

function main(): void {
  let options: Options | 'help';
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    complain(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (options === 'help') {
    say(USAGE);
    return;
  }
  if (!options.watch) {
    const failed = options.dirs.reduce((sum, dir) => sum + writeAll(dir, options.pieceBytes), 0);
    if (failed > 0) complain(`${failed} input(s) could not be read: their hashes are missing`);
    process.exit(failed > 0 ? 1 : 0);
  }
  const watchers = options.dirs.map((dir) =>
    watchSidecars(dir, options, {
      wrote: (path, hashes) => say(`${path}: ${hashes} hashes`),
      error: reportError,
      warning: (line) => complain(`warning: ${line}`),
    }),
  );
  say(`watching ${options.dirs.join(', ')} every ${options.intervalMs} ms (Ctrl-C stops)`);
  const stop = () => {
    for (const watcher of watchers) watcher.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main();
