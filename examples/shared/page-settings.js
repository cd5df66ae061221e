// Query parameters every example page understands, so the demo and the browser tests can point any page elsewhere:
//   signal=<ws url>    signal server (default: /config.json of the local origin)
//   format=<name>      which of the page's test streams to play (default: its first)
//   src=<url>          what to play instead (default: the chosen test stream under the media folder)
//   cdn                load the media from the cross-origin "CDN" of the local origin
//   p2p=off            the plain player without Peerlane, to compare (the local origin serves the page without
//                      its /peerlane.js tag)
//   level=<n>          pin rendition n (0 = lowest) instead of adaptive bitrate
//   buffer=<seconds>   how far ahead the player buffers (its own default otherwise)
//   wait=ready         Peerlane first: start it at once and create the player once the worker controls the page
//                      (Peerlane.ready), so every request of a first visit goes through it, at the cost of start-up
//                      time (by default the player starts alone and Peerlane joins after its first frame)
//   media-urls=<list>  comma-separated URL prefixes Peerlane may handle (default: the media folder, on this site
//                      or the CDN, and the origin of `src`); `media-urls=/` leaves a CDN to the browser

/** `streams`: the page's test streams by format name, paths under the media folder; the first is the default. */
export async function loadSettings(streams, params = new URLSearchParams(location.search)) {
  const formats = Object.keys(streams);
  const format = formats.includes(params.get('format')) ? params.get('format') : formats[0];
  // The local origin says where its signal server and media are; any other host simply has no /config.json.
  const config = await fetch('/config.json')
    .then((response) => (response.ok ? response.json() : {}))
    .catch(() => ({}));
  const mediaBase = params.has('cdn') && config.cdnMedia ? config.cdnMedia : (config.media ?? '/media/');
  const mediaUrl = new URL(mediaBase, location.href).href;
  const number = (name) => (params.has(name) ? Number(params.get(name)) : null);
  const list = (name) => params.get(name)?.split(',').filter(Boolean);
  const src = params.has('src') ? new URL(params.get('src'), location.href) : null;
  return {
    p2p: params.get('p2p') !== 'off',
    signal: params.get('signal') ?? config.signal ?? `ws://${location.hostname}:9000/`,
    // STUN/TURN for Peerlane.start({ iceServers }): the local origin's (none on loopback, coturn in the lab).
    iceServers: config.iceServers ?? [],
    format,
    src: src?.href ?? new URL(streams[format], mediaUrl).href,
    // Peerlane.start({ mediaUrls }): the worker handles media under these prefixes only (a CDN must be listed).
    mediaUrls: list('media-urls') ?? (src ? [mediaUrl, `${src.origin}/`] : [mediaUrl]),
    peerlaneFirst: params.get('wait') === 'ready',
    level: number('level'),
    buffer: number('buffer'),
  };
}
