// The site's player code with Peerlane in front of it: start Peerlane, then create dash.js exactly as before.
// Query parameters: those of ../shared/page-settings.js, and format=template|list for the test stream's
// SegmentTemplate ($Number$, default) or single-file SegmentList (byte ranges) manifest.
import { loadSettings } from '../shared/page-settings.js';
import { showStats } from '../shared/stats-panel.js';

const STREAMS = { template: 'dash/manifest.mpd', list: 'dash-list/manifest.mpd' };
const video = document.querySelector('#video');
const settings = await loadSettings(STREAMS);
const panel = showStats(video, { peerlane: settings.p2p });

// 1. Peerlane first. start() resolves at once: the player starts as fast as without Peerlane, which starts its own
//    part once the player plays its first frame; from then the worker takes over the MPD and segments
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
const player = dashjs.MediaPlayer().create();
player.updateSettings({
  streaming: {
    abr: { autoSwitchBitrate: { video: settings.level === null } },
    ...(settings.buffer !== null && {
      buffer: { bufferTimeDefault: settings.buffer, bufferTimeAtTopQuality: settings.buffer },
    }),
  },
});
player.on(dashjs.MediaPlayer.events.STREAM_INITIALIZED, () => {
  if (settings.level !== null) player.setRepresentationForTypeByIndex('video', settings.level, true);
});
player.on(dashjs.MediaPlayer.events.ERROR, (event) => {
  const text = `dash.js error: ${event.error?.code} ${event.error?.message ?? ''}`;
  console.error(text);
  panel.event(text);
});
player.initialize(video, settings.src, true);
window.player = player; // handy in the devtools console
