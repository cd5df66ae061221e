// The site's player code with Peerlane in front of it: start Peerlane, then create Shaka Player exactly as before.
// Query parameters: those of ../shared/page-settings.js, and format=template|list|hls for the test stream's
// DASH SegmentTemplate (default), DASH single-file SegmentList, or fMP4 HLS.
import { loadSettings } from '../shared/page-settings.js';
import { showStats } from '../shared/stats-panel.js';

const STREAMS = {
  template: 'dash/manifest.mpd',
  list: 'dash-list/manifest.mpd',
  hls: 'hls-fmp4/master.m3u8',
};
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

// 2. The player, unchanged.
shaka.polyfill.installAll();
const player = new shaka.Player();
player.addEventListener('error', (event) => {
  const text = `shaka error: ${event.detail.code} (category ${event.detail.category})`;
  console.error(text);
  panel.event(text);
});
player.configure({
  abr: { enabled: settings.level === null },
  ...(settings.buffer !== null && { streaming: { bufferingGoal: settings.buffer } }),
});
await player.attach(video);
await player.load(settings.src);
if (settings.level !== null) {
  const levels = distinctHeights(player.getVariantTracks().sort((a, b) => a.height - b.height));
  player.selectVariantTrack(levels[settings.level] ?? levels[0], true);
}
window.player = player; // handy in the devtools console

/** One track per picture height, lowest first (a level is a height, whatever the audio). */
function distinctHeights(tracks) {
  return tracks.filter((track, i) => i === 0 || track.height !== tracks[i - 1].height);
}
