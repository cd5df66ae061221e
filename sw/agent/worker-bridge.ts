// The page's end of the worker bridge: registers the service worker without making the page wait for it, and
// keeps a MessageChannel to the controlling worker (a new one after a worker update or a worker restart).

import {
  isWorkerToPageMessage,
  type PageToWorkerMessage,
  type WorkerToPageMessage,
} from '../../protocol/bridge/bridge-messages';
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import { PEERLANE_VERSION } from './config';
import { describeCause, PeerlaneError } from './errors';
import { markPhase } from './phase-marks';
import { PreControlLoads } from './pre-control-loads';

export interface BridgeOptions {
  sw: string;
  scope: string;
  settings: Partial<WorkerSettings>;
  controlTimeoutMs: number;
}

export interface BridgeEvents {
  /** A validated message from the controlling worker. */
  message(message: WorkerToPageMessage): void;
  /** A new port replaced the old one: requests received on the old port will never be read. */
  connected(): void;
  /**
   * Registration failed or the worker never took control. `fatal`: no worker serves this page at all (else a
   * worker already controls it and only its update check failed).
   */
  failed(error: PeerlaneError, fatal: boolean): void;
}

export class WorkerBridge {
  private port: MessagePort | undefined;
  private container: ServiceWorkerContainer | undefined;
  private controlTimer: ReturnType<typeof setTimeout> | undefined;
  /** A first visit: what the player loaded before the worker controlled the page. */
  private preControl: PreControlLoads | undefined;
  private openPeers = 0;
  private readonly onControllerChange = () => {
    clearTimeout(this.controlTimer);
    markPhase('sw-controlled');
    this.connect();
  };
  private readonly onWorkerMessage = (event: MessageEvent) => {
    // The worker lost our port (it was restarted): it asks for a new hello through Client.postMessage.
    if (this.port && isWorkerToPageMessage(event.data) && event.data.type === 'hello-request') this.connect();
  };

  constructor(
    private readonly options: BridgeOptions,
    private readonly events: BridgeEvents,
  ) {}

  /**
   * Registers the worker and connects to it without waiting for either (throws PeerlaneError 'sw-unsupported'):
   * the player may be created at once, and its first requests go to the network or the cache while the worker
   * sets up. A worker that already controls the page gets our hello now; it screens media by the settings the
   * last page saved, and holds what may be media until it knows them (sw/worker/settings-gate.ts), so nothing the
   * site lists passes it by. On a first visit the worker takes control once active (clients.claim()) and is
   * handed what the player loaded before that (pre-control-loads.ts).
   */
  start(): void {
    if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) {
      const reason =
        globalThis.isSecureContext === false
          ? 'the page is not served over https or from localhost'
          : 'not supported';
      throw new PeerlaneError('sw-unsupported', { reason });
    }
    const container = navigator.serviceWorker;
    this.container = container;
    container.addEventListener('controllerchange', this.onControllerChange);
    container.addEventListener('message', this.onWorkerMessage);
    // Messages from Client.postMessage wait until this is called when listening with addEventListener.
    container.startMessages();
    const controlled = container.controller !== null;
    container.register(this.options.sw, { scope: this.options.scope }).then(
      () => markPhase('sw-registered'),
      (error: unknown) => {
        const cause = describeCause(error);
        this.events.failed(
          new PeerlaneError('sw-register-failed', { url: this.options.sw, cause }),
          !controlled,
        );
      },
    );
    if (controlled) {
      markPhase('sw-controlled');
      this.connect();
      return;
    }
    this.preControl = new PreControlLoads((urls) => this.post({ type: 'adopt-loads', urls }));
    const waitedMs = this.options.controlTimeoutMs;
    this.controlTimer = setTimeout(() => {
      if (!container.controller)
        this.events.failed(new PeerlaneError('sw-not-controlling', { waitedMs }), true);
    }, waitedMs);
  }

  /** Says hello on a new port; the worker's `welcome` answers once it has taken our settings. */
  private connect(): void {
    const controller = this.container?.controller;
    if (!controller) return;
    this.port?.close();
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => {
      if (!isWorkerToPageMessage(event.data)) return;
      if (event.data.type === 'welcome') markPhase('welcome');
      this.events.message(event.data);
    };
    this.port = channel.port1;
    const hello: PageToWorkerMessage = {
      type: 'hello',
      version: PEERLANE_VERSION,
      settings: this.options.settings,
    };
    controller.postMessage(hello, [channel.port2]);
    this.events.connected();
    this.post({ type: 'peers', open: this.openPeers });
    this.preControl?.flush();
  }

  /** Tells the worker how many peer connections are open (when it changed, and on every new port). */
  setPeers(open: number): void {
    if (open === this.openPeers) return;
    this.openPeers = open;
    this.post({ type: 'peers', open });
  }

  /** Sends on the current port (false before there is one); `transfer` moves segment bytes instead of copying. */
  post(message: PageToWorkerMessage, transfer: Transferable[] = []): boolean {
    this.port?.postMessage(message, transfer);
    return this.port !== undefined;
  }

  destroy(): void {
    clearTimeout(this.controlTimer);
    this.preControl?.destroy();
    this.container?.removeEventListener('controllerchange', this.onControllerChange);
    this.container?.removeEventListener('message', this.onWorkerMessage);
    this.port?.close();
    this.port = undefined;
  }
}
