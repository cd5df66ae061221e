#!/usr/bin/env node
// Generates the test streams that the examples, the demo and the browser tests play, into examples/media/out/.
// Encodes each rendition once, then packages every output format from those encodes without re-encoding.
//
// Usage: node examples/media/make-media.mjs [--force]
// Idempotent: does nothing when out/media.json carries the stamp of this very script.
// FFMPEG=/path/to/ffmpeg overrides the ffmpeg binary.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT_DIR = join(HERE, 'out');
const FFMPEG = process.env.FFMPEG || 'ffmpeg';

/** The synthetic source: a moving test pattern and a beeping tone, long enough for seeks and ABR switches. */
const SOURCE = { durationSec: 30, fps: 25, segmentSec: 2, toneHz: 440 };

/**
 * Renditions, encoded once each (H.264 High + AAC LC, one keyframe per segment so every output can cut
 * segments at the same times). 360p is what the swarm tests pin: twelve headless players decode it in
 * real time on a 2-core machine.
 */
const RENDITIONS = [
  { name: '240p', width: 426, height: 240, videoKbps: 400, audioKbps: 64, fontSize: 16 },
  { name: '360p', width: 640, height: 360, videoKbps: 800, audioKbps: 96, fontSize: 24 },
  { name: '480p', width: 854, height: 480, videoKbps: 1400, audioKbps: 128, fontSize: 32 },
];

/**
 * Packaged outputs, each one ffmpeg remux (`-c copy`) of all rendition encodes into out/<dir>/.
 * `args(inputs)` receives one encode path per rendition (same order) and returns the output arguments;
 * `inputArgs(index)` (optional) adds input options before rendition `index`'s `-i`;
 * `entry` is the file players open. Adding a format is one row here.
 */
const OUTPUTS = [
  {
    name: 'HLS VoD, MPEG-TS segments',
    dir: 'hls',
    entry: 'master.m3u8',
    args: (dir) => [
      ...mapAll(),
      ...['-c', 'copy', '-bsf:v', 'h264_mp4toannexb'], // Annex B extradata lets ffmpeg write CODECS="…".
      ...hlsArgs(dir, [
        '-hls_segment_type',
        'mpegts',
        '-hls_segment_filename',
        join(dir, '%v', 'seg-%03d.ts'),
      ]),
    ],
  },
  {
    name: 'HLS VoD, fMP4 segments (EXT-X-MAP init sections)',
    dir: 'hls-fmp4',
    entry: 'master.m3u8',
    args: (dir) => [
      ...mapAll(),
      ...['-c', 'copy'],
      ...hlsArgs(dir, [
        ...['-hls_segment_type', 'fmp4', '-hls_fmp4_init_filename', 'init.mp4'],
        ...['-hls_segment_filename', join(dir, '%v', 'seg-%03d.m4s')],
      ]),
    ],
  },
  {
    name: 'HLS VoD, fMP4 single file per rendition (EXT-X-BYTERANGE)',
    dir: 'hls-byterange',
    entry: 'master.m3u8',
    args: (dir) => [
      ...mapAll(),
      ...['-c', 'copy'],
      ...hlsArgs(dir, [
        ...['-hls_segment_type', 'fmp4', '-hls_flags', 'single_file'],
        ...['-hls_segment_filename', join(dir, '%v', 'media.mp4')],
      ]),
    ],
  },
  {
    name: 'DASH VoD, SegmentTemplate $Number$',
    dir: 'dash',
    entry: 'manifest.mpd',
    args: (dir) => [
      ...dashArgs(),
      ...['-use_template', '1', '-use_timeline', '0'],
      join(dir, 'manifest.mpd'),
    ],
  },
  {
    name: 'DASH VoD, one file per representation, SegmentList with media byte ranges (sidx)',
    dir: 'dash-list',
    entry: 'manifest.mpd',
    args: (dir) => [
      ...dashArgs(),
      ...['-single_file', '1', '-global_sidx', '1', '-use_template', '0', '-use_timeline', '0'],
      join(dir, 'manifest.mpd'),
    ],
  },
  {
    // ≥ 10 MB so the worker splits it into many 1 MiB pieces: the 480p encode played twice over (60 s).
    name: 'Progressive MP4 (plain <video src>, Range requests)',
    dir: 'progressive',
    entry: 'movie.mp4',
    inputArgs: (index) => (index === RENDITIONS.length - 1 ? ['-stream_loop', '1'] : []),
    args: (dir) => [
      ...['-map', `${RENDITIONS.length - 1}:v`, '-map', `${RENDITIONS.length - 1}:a`],
      ...['-c', 'copy', '-movflags', '+faststart'],
      join(dir, 'movie.mp4'),
    ],
  },
];

/**
 * ffmpeg's dash muxer over every rendition's video and one audio track (360p's): dash.js and Shaka pick audio
 * on their own, and a single audio representation keeps all viewers in one audio swarm.
 */
function dashArgs() {
  const audio = RENDITIONS.findIndex((r) => r.name === '360p');
  return [
    ...RENDITIONS.flatMap((_, i) => ['-map', `${i}:v`]),
    ...['-map', `${audio}:a`, '-c', 'copy', '-f', 'dash', '-seg_duration', String(SOURCE.segmentSec)],
    // 426×240 and 854×480 are not exactly 16:9; the dash muxer wants one aspect ratio per adaptation set.
    ...['-aspect:v', '16:9', '-adaptation_sets', 'id=0,streams=v id=1,streams=a'],
  ];
}

/** ffmpeg's hls muxer writing a VoD master playlist and one media playlist per rendition into `dir`. */
function hlsArgs(dir, segmentArgs) {
  return [
    ...['-f', 'hls', '-hls_time', String(SOURCE.segmentSec), '-hls_playlist_type', 'vod'],
    ...segmentArgs,
    ...['-master_pl_name', 'master.m3u8', '-var_stream_map', variantMap()],
    join(dir, '%v', 'index.m3u8'),
  ];
}

/** `-map` for video and audio of every rendition input, in RENDITIONS order. */
function mapAll() {
  return RENDITIONS.flatMap((_, i) => ['-map', `${i}:v`, '-map', `${i}:a`]);
}

/** ffmpeg's `-var_stream_map` naming each variant after its rendition (`%v` in paths becomes "360p"). */
function variantMap() {
  return RENDITIONS.map((r, i) => `v:${i},a:${i},name:${r.name}`).join(' ');
}

class MediaError extends Error {}

function run(args) {
  const result = spawnSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', ...args], {
    encoding: 'utf8',
  });
  if (result.error?.code === 'ENOENT') {
    throw new MediaError(
      `ffmpeg not found (tried "${FFMPEG}"). Install it: \`sudo apt-get install -y ffmpeg\` (Debian/Ubuntu) ` +
        'or `brew install ffmpeg` (macOS), or set FFMPEG=/path/to/ffmpeg.',
    );
  }
  if (result.status !== 0) {
    throw new MediaError(
      `ffmpeg failed (exit ${result.status}):\n  ffmpeg ${args.join(' ')}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

function ffmpegVersion() {
  return run(['-version']).split('\n')[0] ?? 'unknown';
}

/** A monospace font for the burnt-in timestamp, or null: then the video simply has no text overlay. */
function findFont() {
  if (!run(['-filters']).includes('drawtext')) return null;
  const matched = spawnSync('fc-match', ['-f', '%{file}', 'monospace'], { encoding: 'utf8' });
  const candidates = [
    matched.status === 0 ? matched.stdout.trim() : '',
    '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
    '/System/Library/Fonts/Menlo.ttc',
    'C:/Windows/Fonts/consola.ttf',
  ];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

/** Escapes a value for use inside a quoted filtergraph option. */
function filterQuote(value) {
  return `'${value.replaceAll('\\', '/').replaceAll(':', '\\:').replaceAll("'", '')}'`;
}

/** One ffmpeg run: the source is generated once and split into every rendition's encode. */
function encodeRenditions(dir, font) {
  const { durationSec, fps, segmentSec, toneHz } = SOURCE;
  const largest = RENDITIONS.at(-1);
  const branches = RENDITIONS.map((r, i) => {
    const overlay = font
      ? `,drawtext=fontfile=${filterQuote(font)}:fontsize=${r.fontSize}:fontcolor=white:box=1:` +
        `boxcolor=black@0.6:boxborderw=4:x=8:y=8:text=${filterQuote(`${r.name}  %{pts:hms}`)}`
      : '';
    return `[s${i}]scale=${r.width}:${r.height},setsar=1${overlay}[v${i}]`;
  });
  const graph = `[0:v]split=${RENDITIONS.length}${RENDITIONS.map((_, i) => `[s${i}]`).join('')};${branches.join(';')}`;
  const gop = String(fps * segmentSec);
  const outputs = RENDITIONS.flatMap((r, i) => [
    ...['-map', `[v${i}]`, '-map', '1:a'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
    ...[
      '-b:v',
      `${r.videoKbps}k`,
      '-maxrate',
      `${Math.round(r.videoKbps * 1.2)}k`,
      '-bufsize',
      `${r.videoKbps * 2}k`,
    ],
    ...['-g', gop, '-keyint_min', gop, '-sc_threshold', '0'],
    ...['-c:a', 'aac', '-b:a', `${r.audioKbps}k`, '-ac', '2', '-movflags', '+faststart'],
    join(dir, `${r.name}.mp4`),
  ]);
  run([
    ...[
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${largest.width}x${largest.height}:rate=${fps}:duration=${durationSec}`,
    ],
    ...[
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${toneHz}:beep_factor=4:sample_rate=48000:duration=${durationSec}`,
    ],
    ...['-filter_complex', graph],
    ...outputs,
  ]);
  return RENDITIONS.map((r) => join(dir, `${r.name}.mp4`));
}

function main() {
  const force = process.argv.includes('--force');
  // The script is the recipe: any edit to it (a rendition, an output row) makes new media.
  const stamp = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest('hex')
    .slice(0, 16);
  const manifestPath = join(OUT_DIR, 'media.json');
  if (!force && existsSync(manifestPath)) {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    const complete = manifest.outputs?.every((o) => existsSync(join(OUT_DIR, o.dir, o.entry)));
    if (manifest.stamp === stamp && complete) {
      console.log(`media up to date in ${OUT_DIR}`);
      return;
    }
  }

  const started = Date.now();
  // Built aside and swapped in whole, so an interrupted run never leaves a half-written out/ behind.
  const work = `${OUT_DIR}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  try {
    const encodes = join(work, 'renditions');
    mkdirSync(encodes, { recursive: true });
    const font = findFont();
    if (!font)
      console.log('no drawtext filter or monospace font: generating video without the timestamp overlay');
    const inputs = encodeRenditions(encodes, font);
    for (const output of OUTPUTS) {
      const dir = join(work, output.dir);
      mkdirSync(dir, { recursive: true });
      const inputArgs = output.inputArgs ?? (() => []);
      run([...inputs.flatMap((path, i) => [...inputArgs(i), '-i', path]), ...output.args(dir)]);
    }
    const manifest = {
      stamp,
      ffmpeg: ffmpegVersion(),
      source: SOURCE,
      renditions: RENDITIONS.map(({ fontSize, ...r }) => r),
      outputs: OUTPUTS.map(({ name, dir, entry }) => ({ name, dir, entry })),
    };
    writeFileSync(join(work, 'media.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    rmSync(OUT_DIR, { recursive: true, force: true });
    renameSync(work, OUT_DIR);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const list = OUTPUTS.map((o) => `${o.dir}/${o.entry}`).join(', ');
  console.log(`media generated in ${((Date.now() - started) / 1000).toFixed(1)} s: ${OUT_DIR} (${list})`);
}

try {
  main();
} catch (error) {
  if (!(error instanceof MediaError)) throw error;
  console.error(`make-media: ${error.message}`);
  process.exit(1);
}
