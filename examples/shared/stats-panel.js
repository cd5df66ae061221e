// The live statistics panel of the example pages: bytes by source from Peerlane.stats(), peers, and what the
// <video> element shows (rendition, buffer). Player-agnostic, so every example page can share it.

const MAX_EVENTS = 8;

/** Fills the panel's elements (ids stat-*, bar-*, events, status) once a second; returns status/event writers. */
export function showStats(video, { peerlane }) {
  const byId = (id) => document.getElementById(id);
  const events = byId('events');

  const event = (text) => {
    const item = document.createElement('li');
    item.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
    events.prepend(item);
    while (events.children.length > MAX_EVENTS) events.lastElementChild.remove();
  };

  const update = () => {
    const stats = peerlane ? currentStats() : null;
    if (stats) {
      const total = stats.httpBytes + stats.p2pBytes + stats.cacheBytes;
      const share = (bytes) => (total ? (100 * bytes) / total : 0);
      byId('stat-http').textContent = formatBytes(stats.httpBytes);
      byId('stat-p2p').textContent = formatBytes(stats.p2pBytes);
      byId('stat-cache').textContent = formatBytes(stats.cacheBytes);
      byId('stat-offload').textContent = total ? `${share(stats.p2pBytes).toFixed(0)} %` : '–';
      byId('stat-uploaded').textContent = formatBytes(stats.uploadedBytes);
      byId('stat-peers').textContent = String(stats.peers);
      byId('bar-http').style.width = `${share(stats.httpBytes)}%`;
      byId('bar-p2p').style.width = `${share(stats.p2pBytes)}%`;
      byId('bar-cache').style.width = `${share(stats.cacheBytes)}%`;
    }
    byId('stat-level').textContent = video.videoHeight ? `${video.videoWidth}×${video.videoHeight}` : '–';
    byId('stat-buffer').textContent = `${bufferedAhead(video).toFixed(1)} s`;
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

  return { status: (text) => (byId('status').textContent = text), event };
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
