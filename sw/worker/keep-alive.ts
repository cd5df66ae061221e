// Keeps the worker alive for work that outlives a response (FetchEvent.waitUntil), when the event still allows it.

/** waitUntil is only allowed while the event is still alive; late work then just runs unguarded. */
export function keepAlive(event: ExtendableEvent, promise: Promise<unknown>): void {
  try {
    event.waitUntil(promise);
  } catch {
    void promise;
  }
}
