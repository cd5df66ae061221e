// Test builds only: lets a browser test make the worker fail on purpose at a named point (to prove the player still
// gets its bytes from the network) and read the worker's warnings, which Firefox does not show over WebDriver BiDi.
// Release builds define PEERLANE_TEST_HOOKS as false (build-targets.mjs): esbuild drops both hooks, so the query
// parameter below means nothing to a shipped worker.

/** What this file uses of ServiceWorkerGlobalScope (tests type-check it with the DOM lib, which lacks it). */
interface ScopeWithClients {
  clients: {
    matchAll(options: { type: 'window' }): Promise<ReadonlyArray<{ postMessage(message: unknown): void }>>;
  };
}
/** Set by the bundler: true only in the test build (tests/support/test-worker.ts). */
declare const PEERLANE_TEST_HOOKS: boolean | undefined;

/**
 * Where a fault can be forced, named by the media URL's `peerlane-fault` query parameter:
 * - `answer`: the worker's answer to a request it took fails before any response exists;
 * - `body`: an assembled 206 (progressive pieces, byte-range spans) loses every part after its first.
 */
export type FaultPoint = 'answer' | 'body';

export const FAULT_PARAM = 'peerlane-fault';

/** Type of the message that carries a worker warning to the pages (test builds only). */
export const TEST_LOG_MESSAGE = 'peerlane-test-log';

const HOOKS_ON = typeof PEERLANE_TEST_HOOKS !== 'undefined' && PEERLANE_TEST_HOOKS;

/** Throws when this test build was asked to fail `request` at `point`; does nothing in a release build. */
export function throwIfForced(request: Request, point: FaultPoint): void {
  if (!HOOKS_ON) return;
  if (new URL(request.url).searchParams.get(FAULT_PARAM) === point) {
    throw new Error(`forced fault '${point}' (test build)`);
  }
}

/** Posts a worker warning to every page it controls (test builds only; a release build logs to its console only). */
export function echoToPages(line: string): void {
  if (!HOOKS_ON) return;
  void (globalThis as unknown as ScopeWithClients).clients
    .matchAll({ type: 'window' })
    .then((clients) => {
      for (const client of clients) client.postMessage({ type: TEST_LOG_MESSAGE, line });
    })
    .catch(() => undefined);
}
