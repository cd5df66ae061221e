// The worker's last line of defence: whatever goes wrong while answering a request it took (a bug, a throw, a
// rejected promise), the player gets the network's own response, as it would without Peerlane. A rejected
// respondWith() is a failed load in every browser (Firefox: "A ServiceWorker intercepted the request and
// encountered an unexpected error", and media error 4 when it was a media element's first request).
import { logWorkerError } from './errors';

export async function answerOrNetwork(
  request: Request,
  answer: () => Promise<Response>,
  fetch: (request: Request) => Promise<Response>,
): Promise<Response> {
  try {
    return await answer();
  } catch (error) {
    // The player gave up on this request (a seek aborts it): nobody waits for another answer.
    if (request.signal.aborted) throw error;
    logWorkerError('route-failed', { url: request.url, reason: String(error) });
    return fetch(request);
  }
}
