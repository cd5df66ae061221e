// The site's player code with Peerlane in front of it: start Peerlane, then create hls.js exactly as before.
// Optional query parameters point the page elsewhere (the demo and the browser tests use them):
//   signal=<ws url>    signal server (default: /config.json of the local origin)
//   src=<url>          playlist to play (default: the test stream's master playlist)
//   cdn                load the media from the cross-origin "CDN" of the local origin
//   p2p=off            plain hls.js without Peerlane, to compare
//   level=<n>          pin rendition n (0 = lowest) instead of adaptive bitrate
//   buffer=<seconds>   hls.js maxBufferLength (default 30)
import { showStats } from '../shared/stats-panel.js';

const video = document.querySelector('#video');
const settings = await loadSettings(new URLSearchParams(location.search));
const panel = showStats(video, { peerlane: settings.p2p });

// 1. Peerlane first. Once start() resolves, the service worker controls this page (first visit included),
//    so every playlist and segment the player fetches goes through it.
if (settings.p2p) {
  try {
    // A production site also passes its STUN/TURN servers; the local demo runs on loopback.
    await Peerlane.start({ signal: settings.signal, sw: '/peerlane-sw.js', iceServers: [] });
    panel.status('Peerlane on: segments come from peers when they can');
  } catch (error) {
    // Peerlane failing never stops the video: the player then loads everything from the CDN.
    panel.status(`Peerlane off (${error.message}): playing from the CDN only`);
  }
} else {
  panel.status('Peerlane off (p2p=off): playing from the CDN only');
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

async function loadSettings(params) {
  // The local origin says where its signal server and media are; any other host simply has no /config.json.
  const config = await fetch('/config.json')
    .then((response) => (response.ok ? response.json() : {}))
    .catch(() => ({}));
  const mediaBase = params.has('cdn') && config.cdnMedia ? config.cdnMedia : (config.media ?? '/media/');
  const number = (name) => (params.has(name) ? Number(params.get(name)) : null);
  return {
    p2p: params.get('p2p') !== 'off',
    signal: params.get('signal') ?? config.signal ?? `ws://${location.hostname}:9000/`,
    src: params.get('src') ?? new URL('hls/master.m3u8', new URL(mediaBase, location.href)).href,
    level: number('level'),
    buffer: number('buffer'),
  };
}
