// The site's player code with Peerlane in front of it: start Peerlane, then create hls.js exactly as before.
// Query parameters: those of ../shared/page-settings.js, and format=ts|fmp4|byterange for the test stream's
// MPEG-TS segments (default), fMP4 segments, or one fMP4 file per rendition addressed by EXT-X-BYTERANGE.
import { loadSettings } from '../shared/page-settings.js';
import { showStats } from '../shared/stats-panel.js';

const STREAMS = {
  ts: 'hls/master.m3u8',
  fmp4: 'hls-fmp4/master.m3u8',
  byterange: 'hls-byterange/master.m3u8',
};
const video = document.querySelector('#video');
const settings = await loadSettings(STREAMS);
const panel = showStats(video, { peerlane: settings.p2p });

// 1. Peerlane first. start() resolves at once: the player starts as fast as without Peerlane, which starts its own
//    part once the player plays its first frame; from then the worker takes over the playlists and segments
//    (on a first visit, as soon as it is installed) and peers join. A production site also passes its STUN/TURN
//    servers; here: the local origin's (none on loopback).
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
const hls = new Hls({
  ...(settings.level !== null && { startLevel: settings.level }),
  ...(settings.buffer !== null && { maxBufferLength: settings.buffer, maxMaxBufferLength: settings.buffer }),
});
hls.on(Hls.Events.MANIFEST_PARSED, () => {
  if (settings.level !== null) hls.loadLevel = settings.level;
});
hls.on(Hls.Events.ERROR, (_event, data) => {
  const text = `hls.js ${data.fatal ? 'fatal ' : ''}error: ${data.type} ${data.details}`;
  (data.fatal ? console.error : console.warn)(text);
  panel.event(text);
  if (data.fatal && data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
});
hls.loadSource(settings.src);
hls.attachMedia(video);
window.hls = hls; // handy in the devtools console
