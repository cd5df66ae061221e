// Every error the page agent reports: a stable code, typed details, and a message that says what to do.
// The table is typed per code, so a wrong code or a missing detail does not compile.

interface ErrorDetails {
  'invalid-option': { option: string; problem: string };
  'sw-unsupported': { reason: string };
  'sw-register-failed': { url: string; cause: string };
  'sw-not-controlling': { waitedMs: number };
  'signal-unreachable': { url: string; cause: string };
  'signal-key-refused': { key: string };
  'signal-lost': { url: string; retryMs: number };
  'signal-failed': { url: string; cause: string };
  'webrtc-unsupported': { cause: string };
  'cache-unavailable': { cause: string };
  'peer-misbehaved': { peerId: string; reason: string };
  destroyed: Record<string, never>;
}

export type ErrorCode = keyof ErrorDetails;

const messages: { [Code in ErrorCode]: (details: ErrorDetails[Code]) => string } = {
  'invalid-option': ({ option, problem }) =>
    `Peerlane option '${option}' ${problem}: fix it in Peerlane.start({...}) or the data-* attribute of the script tag.`,
  'sw-unsupported': ({ reason }) =>
    `Service workers are unavailable here (${reason}): Peerlane needs https (or http://localhost) and a browser with service workers. The player keeps using the network.`,
  'sw-register-failed': ({ url, cause }) =>
    `Could not register the Peerlane service worker '${url}' (${cause}): serve peerlane-sw.js from your site's root (scope '/') and point the 'sw' option / data-sw attribute at it.`,
  'sw-not-controlling': ({ waitedMs }) =>
    `The Peerlane service worker did not take control of this page within ${waitedMs} ms. A hard reload (Shift+Reload) bypasses service workers: reload normally. Otherwise check the worker's scope covers this page.`,
  'signal-unreachable': ({ url, cause }) =>
    `Could not reach the signal server at ${url} (${cause}): check the 'signal' option / data-signal attribute and that the server is running. Playback continues from the network; retrying.`,
  'signal-key-refused': ({ key }) =>
    `The signal server refused key '${key}': check the 'key' option / data-key attribute matches a key the server accepts.`,
  'signal-lost': ({ url, retryMs }) =>
    `Lost the connection to the signal server ${url}; reconnecting in ${retryMs} ms. Open peer connections keep working.`,
  'signal-failed': ({ url, cause }) => `The signal server ${url} reported an error: ${cause}.`,
  'webrtc-unsupported': ({ cause }) =>
    `This browser cannot open WebRTC data channels (${cause}): Peerlane serves from the cache and network only.`,
  'cache-unavailable': ({ cause }) =>
    `The IndexedDB segment cache could not be opened (${cause}; private browsing or storage blocked?): this viewer cannot prefetch or serve peers.`,
  'peer-misbehaved': ({ peerId, reason }) =>
    `Peer ${peerId} ${reason}: disconnected and ignored for the rest of this session; what it would have served comes from other peers or the network.`,
  destroyed: () => 'Peerlane was destroyed: call Peerlane.start() again to restart it.',
};

export class PeerlaneError<Code extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'PeerlaneError';

  constructor(
    readonly code: Code,
    readonly details: ErrorDetails[Code],
  ) {
    super(messages[code](details));
  }
}

/** A short description of anything thrown, for the `cause` details above. */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message || cause.name;
  return String(cause);
}

/** Delivers an error to on('error') listeners, or to the console when nobody listens (it is never lost). */
export function reportError(
  events: { hasListeners(name: 'error'): boolean; emit(name: 'error', error: PeerlaneError): void },
  error: PeerlaneError,
): void {
  if (events.hasListeners('error')) events.emit('error', error);
  else console.warn(`[peerlane] ${error.code}: ${error.message}`);
}
