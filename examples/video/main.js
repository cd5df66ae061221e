// A plain <video> playing an MP4 file, no player library: Peerlane splits the file into pieces that viewers
// share and answers the element's Range requests from them. Query parameters: those of ../shared/page-settings.js
// (level and buffer do not apply).
import { loadSettings } from '../shared/page-settings.js';
import { showStats } from '../shared/stats-panel.js';

const video = document.querySelector('#video');
const settings = await loadSettings({ mp4: 'progressive/movie.mp4' });
const panel = showStats(video, { peerlane: settings.p2p });

// 1. Peerlane first, at once (waitForPlayback: false), and its `ready`: the element streams the file in one long
//    response, which would bypass the worker for good if it began before the worker controls the page (a first
//    visit). Segmented players need only start(). (A `src` written in the HTML would start loading before.)
if (settings.p2p) {
  await Peerlane.start({
    signal: settings.signal,
    sw: '/peerlane-sw.js',
    mediaUrls: settings.mediaUrls,
    iceServers: settings.iceServers,
    waitForPlayback: false,
  })
    .then(() => Peerlane.ready)
    .then(panel.started, panel.failed);
}

// 2. The element, unchanged. A file on another origin needs crossorigin="anonymous" (and CORS on that server):
//    without it the worker would receive opaque responses it cannot split into pieces or share.
if (new URL(settings.src).origin !== location.origin) video.crossOrigin = 'anonymous';
video.addEventListener('error', () => {
  const text = `video error: ${video.error?.code} ${video.error?.message}`;
  console.error(text);
  panel.event(text);
});
video.src = settings.src;
