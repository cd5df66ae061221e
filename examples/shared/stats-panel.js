// The live statistics panel of the example pages: bytes by source from Peerlane.stats(), peers, what the
// <video> element shows (rendition, buffer), and this viewer's playback quality as its QoE reports tell the
// signal server (Peerlane.stats().qoe). Player-agnostic, so every example page can share it.

const MAX_EVENTS = 8;

const PANEL_HTML = `
  <div class="bar" aria-hidden="true">
    <span class="http" id="bar-http"></span><span class="p2p" id="bar-p2p"></span
    ><span class="cache" id="bar-cache"></span>
  </div>
  <dl>
    <div><dt class="http">From the CDN</dt><dd id="stat-http">–</dd></div>
    <div><dt class="p2p">From peers</dt><dd id="stat-p2p">–</dd></div>
    <div><dt class="cache">From local cache</dt><dd id="stat-cache">–</dd></div>
    <div><dt>P2P share</dt><dd id="stat-offload">–</dd></div>
    <div><dt>Uploaded to peers</dt><dd id="stat-uploaded">–</dd></div>
    <div><dt>Peers</dt><dd id="stat-peers">–</dd></div>
    <div><dt>Rendition</dt><dd id="stat-level">–</dd></div>
    <div><dt>Buffered ahead</dt><dd id="stat-buffer">–</dd></div>
  </dl>
  <h2 class="qoe-title">Your playback, as reported to the signal server</h2>
  <dl>
    <div><dt>Startup (page load to first frame)</dt><dd id="qoe-startup">–</dd></div>
    <div><dt>Stalls</dt><dd id="qoe-stalls">–</dd></div>
    <div><dt>Rebuffering</dt><dd id="qoe-rebuffering">–</dd></div>
    <div><dt>Dropped frames</dt><dd id="qoe-dropped">–</dd></div>
    <div><dt>Bitrate</dt><dd id="qoe-bitrate">–</dd></div>
    <div><dt>Reports sent</dt><dd id="qoe-reports">–</dd></div>
  </dl>
  <ol id="events" class="events" aria-label="Recent events"></ol>
  <footer>
    Open this page in a second browser profile (or a private window) to watch segments flow between viewers:
    windows of one profile share the service worker and its cache, so they would not need peers.
  </footer>`;

/**
 * Draws the panel into `<section class="stats" id="stats">` and fills it once a second; returns writers for the
 * status line (`<p id="status">`) and the event list, and `started`/`failed` for the outcome of Peerlane.start().
 */
export function showStats(video, { peerlane }) {
  const byId = (id) => document.getElementById(id);
  // Only what changed is written: every write is a layout on the player's thread.
  const setText = (id, text) => {
    const element = byId(id);
    if (element.textContent !== text) element.textContent = text;
  };
  const setWidth = (id, percent) => {
    const width = `${percent.toFixed(1)}%`;
    const { style } = byId(id);
    if (style.width !== width) style.width = width;
  };
  byId('stats').innerHTML = PANEL_HTML;
  const events = byId('events');
  const status = (text) => {
    byId('status').textContent = text;
  };
  if (!peerlane) status('Peerlane off (p2p=off): playing from the CDN only');

  // Events are drawn with the once-a-second update, not as they come: a busy uploader has several a second, and
  // every change of the page's DOM is layout and paint on the thread the player (and the decoder's output) needs.
  let pending = [];
  const event = (text) => {
    pending.push(`${clock()}  ${text}`);
    if (pending.length > MAX_EVENTS) pending = pending.slice(-MAX_EVENTS);
  };
  const drawEvents = () => {
    if (pending.length === 0) return;
    const items = pending.reverse().map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    });
    pending = [];
    events.prepend(...items);
    while (events.children.length > MAX_EVENTS) events.lastElementChild.remove();
  };

  const update = () => {
    drawEvents();
    const stats = peerlane ? currentStats() : null;
    if (stats) {
      const total = stats.httpBytes + stats.p2pBytes + stats.cacheBytes;
      const share = (bytes) => (total ? (100 * bytes) / total : 0);
      setText('stat-http', formatBytes(stats.httpBytes));
      setText('stat-p2p', formatBytes(stats.p2pBytes));
      setText('stat-cache', formatBytes(stats.cacheBytes));
      setText('stat-offload', total ? `${share(stats.p2pBytes).toFixed(0)} %` : '–');
      setText('stat-uploaded', formatBytes(stats.uploadedBytes));
      setText('stat-peers', String(stats.peers));
      setWidth('bar-http', share(stats.httpBytes));
      setWidth('bar-p2p', share(stats.p2pBytes));
      setWidth('bar-cache', share(stats.cacheBytes));
      showQoe(setText, stats.qoe);
    }
    setText('stat-level', video.videoHeight ? `${video.videoWidth}×${video.videoHeight}` : '–');
    setText('stat-buffer', `${bufferedAhead(video).toFixed(1)} s`);
  };

  if (peerlane && window.Peerlane) {
    Peerlane.on('peer-connected', ({ peerId }) => event(`peer ${peerId} connected`));
    Peerlane.on('peer-disconnected', ({ peerId, reason }) => event(`peer ${peerId} left (${reason})`));
    Peerlane.on('segment-loaded', ({ segment, source, bytes }) => {
      if (source === 'p2p') event(`${shortName(segment.url)} from a peer (${formatBytes(bytes)})`);
    });
    Peerlane.on('segment-uploaded', ({ peerId, bytes }) =>
      event(`sent ${formatBytes(bytes)} to peer ${peerId}`),
    );
    Peerlane.on('error', (error) => event(`${error.code ?? 'error'}: ${error.message}`));
  }
  update();
  setInterval(update, 1000);

  return {
    status,
    event,
    started: () => status('Peerlane on: segments come from peers when they can'),
    // Peerlane failing never stops the video: the player then loads everything from the CDN.
    failed: (error) => status(`Peerlane off (${error.message}): playing from the CDN only`),
  };
}

/** Peerlane.stats().qoe: null when the page turned QoE reports off (qoe: false). */
function showQoe(setText, qoe) {
  if (!qoe) {
    setText('qoe-reports', 'off');
    return;
  }
  const watched = qoe.playingSec + qoe.rebufferSec;
  setText('qoe-startup', qoe.startupSec === null ? '–' : `${qoe.startupSec.toFixed(2)} s`);
  setText('qoe-stalls', `${qoe.rebuffers} (${qoe.rebufferSec.toFixed(1)} s)`);
  setText('qoe-rebuffering', watched ? `${((100 * qoe.rebufferSec) / watched).toFixed(1)} %` : '–');
  setText('qoe-dropped', `${qoe.droppedFrames} of ${qoe.frames}`);
  setText('qoe-bitrate', qoe.bitrateKbps ? `${(qoe.bitrateKbps / 1000).toFixed(2)} Mbit/s` : '–');
  setText('qoe-reports', String(qoe.reportsSent));
}

/** Peerlane.stats(), or null while Peerlane is not loaded or not started. */
function currentStats() {
  try {
    return window.Peerlane?.stats() ?? null;
  } catch {
    return null;
  }
}

/** Seconds of media buffered past the playhead. */
function bufferedAhead(video) {
  for (let i = 0; i < video.buffered.length; i++) {
    if (video.buffered.start(i) <= video.currentTime + 0.1 && video.currentTime < video.buffered.end(i)) {
      return video.buffered.end(i) - video.currentTime;
    }
  }
  return 0;
}

function shortName(url) {
  return new URL(url, location.href).pathname.split('/').slice(-2).join('/');
}

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** hh:mm:ss, without a locale lookup per call. */
function clock() {
  const now = new Date();
  return [now.getHours(), now.getMinutes(), now.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}
