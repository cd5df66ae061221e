// The site's player code with Peerlane in front of it: start Peerlane, then create video.js exactly as before.
// Its VHS engine plays HLS and DASH. Query parameters: those of ../shared/page-settings.js, and format=hls|dash
// for the test stream's fMP4 HLS (default) or DASH SegmentTemplate.
import { loadSettings } from '../shared/page-settings.js';
import { showStats } from '../shared/stats-panel.js';

const STREAMS = { hls: 'hls-fmp4/master.m3u8', dash: 'dash/manifest.mpd' };
const TYPES = { hls: 'application/x-mpegURL', dash: 'application/dash+xml' };
const video = document.querySelector('#video');
const settings = await loadSettings(STREAMS);
const panel = showStats(video, { peerlane: settings.p2p });

// 1. Peerlane first. start() resolves at once: the player starts as fast as without Peerlane, which starts its own
//    part once the player plays its first frame; from then the worker takes over the manifest and segments
//    (on a first visit, as soon as it is installed) and peers join. A production site also passes its STUN/TURN
//    servers.
if (settings.p2p) {
  await Peerlane.start({
    signal: settings.signal,
    sw: '/peerlane-sw.js',
    mediaUrls: settings.mediaUrls,
    iceServers: settings.iceServers,
    waitForPlayback: !settings.peerlaneFirst,
  }).then(panel.started, panel.failed);
  if (settings.peerlaneFirst) await Peerlane.ready.catch(() => {});
}

// 2. The player, unchanged. overrideNative: VHS (not a browser's own HLS) everywhere, so every browser behaves alike.
if (settings.buffer !== null) videojs.Vhs.GOAL_BUFFER_LENGTH = settings.buffer;
const player = videojs(video, { html5: { vhs: { overrideNative: true } } });
player.on('error', () => {
  const text = `video.js error: ${player.error()?.code} ${player.error()?.message ?? ''}`;
  console.error(text);
  panel.event(text);
});
player.on('loadedmetadata', () => {
  const vhs = player.tech({ IWillNotUseThisInPlugins: true }).vhs;
  if (settings.level === null || !vhs) return;
  // Pin one rendition: VHS picks among the enabled ones only.
  const levels = vhs.representations().sort((a, b) => a.height - b.height || a.bandwidth - b.bandwidth);
  const chosen = levels[settings.level] ?? levels[0];
  for (const level of levels) level.enabled(level === chosen);
});
player.src({ src: settings.src, type: TYPES[settings.format] });
window.player = player; // handy in the devtools console
