// The ABR scenario: two seeders hold the lowest and the highest rendition; a viewer starts on the lowest, switches
// to the highest through its player's own API mid-playback, and plays to the end; then the checks it must pass.
import { expect } from 'vitest';
import { atEnd, type SwarmSuite, seed, setRate, untilEnd, VIEWER_RATE } from './player-swarm';
import { readSegmentLoads, type SegmentLoad } from './segment-loads';
import type { PageParams } from './stack';

/** Forces rendition `level` (0 = lowest); runs in the page, on the player the example keeps in window. */
export type SwitchLevel = (level: number) => void;

const LOWEST = 0;
const HIGHEST = 2;
/** Heights of the lowest and highest renditions (examples/media/make-media.mjs). */
const LOWEST_HEIGHT = 240;
const HIGHEST_HEIGHT = 480;
const MIN_NEW_RENDITION_P2P_SHARE = 0.5;

/** Per example page: how its player is told to switch (window.hls for hls.js, window.player for the others). */
export const switchLevel: Record<'hls.js' | 'dash.js' | 'shaka' | 'video.js', SwitchLevel> = {
  'hls.js': (level) => {
    (window as unknown as { hls: { currentLevel: number } }).hls.currentLevel = level;
  },
  'dash.js': (level) => {
    const player = (window as unknown as { player: DashJsPlayer }).player;
    player.setRepresentationForTypeByIndex('video', level, true);
  },
  shaka: (level) => {
    const player = (window as unknown as { player: ShakaPlayer }).player;
    const tracks = player.getVariantTracks().sort((a, b) => a.height - b.height);
    const heights = [...new Set(tracks.map((track) => track.height))];
    const track = tracks.find((candidate) => candidate.height === heights[level]);
    if (track) player.selectVariantTrack(track, true);
  },
  'video.js': (level) => {
    const player = (window as unknown as { player: VideoJsPlayer }).player;
    const levels = player
      .tech({ IWillNotUseThisInPlugins: true })
      .vhs.representations()
      .sort((a, b) => a.height - b.height);
    // VHS chooses among the enabled renditions only: enable just the target.
    for (const [index, representation] of levels.entries()) representation.enabled(index === level);
  },
};

/** The page's player switches from the lowest to the highest rendition; checks peers served both. */
export async function expectAbrSwitchOverPeers(
  suite: SwarmSuite,
  label: string,
  params: PageParams & { page: keyof typeof switchLevel },
): Promise<void> {
  // Seeders buffer everything (30 s) and play fast: they only have to hold their rendition.
  const seeders = await Promise.all(
    [LOWEST, HIGHEST].map((level) =>
      suite.open(suite.stack.pageUrl({ ...params, level, buffer: 30 }), { name: `seeder ${level}` }),
    ),
  );
  const seeded = await Promise.all(seeders.map(seed));
  // The seeders really hold the two renditions (their pictures had those heights).
  expect(seeded.map((end) => end.heights.at(-1)?.height)).toEqual([LOWEST_HEIGHT, HIGHEST_HEIGHT]);

  // A short buffer goal: the viewer still has most of the stream to load when it switches.
  const viewer = await suite.open(suite.stack.pageUrl({ ...params, level: LOWEST, buffer: 6 }), {
    name: 'viewer',
  });
  await viewer.waitFor('playing the lowest rendition', (probe) => probe.currentTime > 2);
  const loadsBefore = await readSegmentLoads(viewer.page);
  const before = total(loadsBefore);
  await viewer.page.evaluate(switchLevel[params.page], HIGHEST);
  await setRate(viewer.page, VIEWER_RATE);
  const end = await untilEnd(viewer);
  // Loads after the switch in swarms the viewer had not loaded from before: the new rendition (audio stays put).
  const oldSwarms = new Set(loadsBefore.map((load) => load.swarm));
  const after = (await readSegmentLoads(viewer.page)).slice(loadsBefore.length);
  const fresh = total(after.filter((load) => !oldSwarms.has(load.swarm)));
  const freshShare = fresh.p2p / Math.max(1, fresh.all);

  console.log(
    `${label}: after the switch ${(100 * freshShare).toFixed(1)} % of ${fresh.all} bytes of the new ` +
      `rendition from peers (http ${fresh.http}, p2p ${fresh.p2p}, cache ${fresh.cache}); ` +
      `before it ${before.p2p} of ${before.all} bytes`,
  );
  const diagnostics = viewer.log().join('\n');
  expect(before.p2p, 'peer bytes in the first rendition').toBeGreaterThan(0);
  expect(
    end.heights.map((change) => change.height),
    'picture heights shown',
  ).toContain(HIGHEST_HEIGHT);
  expect(freshShare, `new rendition's share from peers\n${diagnostics}`).toBeGreaterThanOrEqual(
    MIN_NEW_RENDITION_P2P_SHARE,
  );
  expect(viewer.problems(), diagnostics).toEqual([]);
  expect(end.mediaErrors, 'media errors').toEqual([]);
  expect(atEnd(end), 'reached the end').toBe(true);
}

/** Bytes by source. */
function total(loads: SegmentLoad[]): Record<SegmentLoad['source'] | 'all', number> {
  const sum = { http: 0, p2p: 0, cache: 0, all: 0 };
  for (const load of loads) {
    sum[load.source] += load.bytes;
    sum.all += load.bytes;
  }
  return sum;
}

interface DashJsPlayer {
  setRepresentationForTypeByIndex(type: string, index: number, forceReplace: boolean): void;
}
interface ShakaTrack {
  height: number;
}
interface ShakaPlayer {
  getVariantTracks(): ShakaTrack[];
  selectVariantTrack(track: ShakaTrack, clearBuffer: boolean): void;
}
interface VideoJsPlayer {
  tech(options: object): {
    vhs: { representations(): { height: number; enabled(on: boolean): void }[] };
  };
}
