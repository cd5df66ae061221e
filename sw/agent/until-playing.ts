// Peerlane's own start-up (the worker's install, the bridge, PeerJS, the signal server, peer connections) costs the
// page's main thread and the device's cores right when the player starts. By default it waits for the player: until
// a media element of the page plays its first frame, so start-up runs as fast as without Peerlane.

/**
 * Resolves when a media element of the page is playing (at once if one already is), or after `maxMs` (a page whose
 * video waits for a click still gets its peers).
 */
export function untilPlaying(maxMs: number): Promise<void> {
  if (typeof document === 'undefined' || isPlaying(document)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      // 'playing' does not bubble: caught on its way down to the element.
      document.removeEventListener('playing', done, true);
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    document.addEventListener('playing', done, true);
  });
}

function isPlaying(root: Document): boolean {
  return [...root.querySelectorAll('video, audio')].some(
    (media) =>
      media instanceof HTMLMediaElement && !media.paused && media.readyState >= media.HAVE_FUTURE_DATA,
  );
}
