// Pages a worker has no port for (it restarted, or their hello was lost) are asked to say hello again: at most once
// per interval each, so a page that cannot answer is not flooded with one request per fetch.
import { BoundedMap } from '../shared/bounded-map';
import type { WorkerLimits } from './config';

export interface HelloRequestDeps {
  /** A port to this page is open already. */
  connected: (clientId: string) => boolean;
  /** Posts the request to the page (self.clients.get(clientId)?.postMessage). */
  ask: (clientId: string) => void;
  limits: Pick<WorkerLimits, 'maxTrackedClients' | 'helloRequestIntervalMs'>;
}

export class HelloRequests {
  private readonly askedAt: BoundedMap<string, number>;

  constructor(private readonly deps: HelloRequestDeps) {
    this.askedAt = new BoundedMap(deps.limits.maxTrackedClients);
  }

  /** Asks `clientId` to say hello unless it did already or was asked within the interval. */
  askFor(clientId: string): void {
    if (!clientId || this.deps.connected(clientId)) return;
    const now = Date.now();
    if (now - (this.askedAt.get(clientId) ?? 0) < this.deps.limits.helloRequestIntervalMs) return;
    this.askedAt.set(clientId, now);
    this.deps.ask(clientId);
  }
}
