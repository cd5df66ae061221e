// The page's end of the worker bridge: registers the service worker, waits until it controls the page, and
// keeps a MessageChannel to the controlling worker (a new one after a worker update or a worker restart).

import {
  isWorkerToPageMessage,
  type LoadedResource,
  MAX_LOADED_BEFORE_CONTROL,
  type PageToWorkerMessage,
  type WorkerToPageMessage,
} from '../../protocol/bridge/bridge-messages';
import type { WorkerSettings } from '../../protocol/bridge/worker-settings';
import { PEERLANE_VERSION } from './config';
import { describeCause, PeerlaneError } from './errors';
import { reportLoadedBeforeControl } from './loaded-before-control';
import { markPhase } from './phase-marks';

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
}

/** The browser has service workers here (not in an insecure context, nor in a browser without them). */
export function supportsServiceWorkers(): boolean {
  return typeof navigator !== 'undefined' && 'serviceWorker' in navigator;
}

/**
 * Registers the worker now, before start() (the script tag's `data-sw`): on a first visit its download and install
 * then overlap the page's own loading instead of delaying the player, and start() finds the worker in control or
 * about to be. Failures are left to start(): its own register() meets them again and reports them.
 */
export function registerEarly(sw: string, scope: string): void {
  if (!supportsServiceWorkers()) return;
  markPhase('sw-register-early');
  navigator.serviceWorker.register(sw, { scope }).catch(() => {});
}

/** The page is controlled by the worker at `sw` (the page's own URL for it, as given to register()). */
function isControlledBy(sw: string): boolean {
  return navigator.serviceWorker.controller?.scriptURL === new URL(sw, location.href).href;
}

/**
 * The page was loaded through a service worker, so the player's requests reach it from the first one. Not so on a
 * first visit, even once the worker the tag's data-sw installed has claimed the page: what the player loads before
 * the worker has the page's settings (a CDN to handle, in mediaUrls) is reported to it after the welcome.
 */
function controlledSinceLoad(): boolean {
  if (!navigator.serviceWorker.controller || typeof performance === 'undefined') return false;
  const [navigation] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[];
  return (navigation?.workerStart ?? 0) > 0;
}

/** The welcome a hello waits for: settled by the first welcome on any port said hello on meanwhile, or the timeout. */
interface PendingWelcome {
  welcomed: Promise<void>;
  settle: () => void;
}

export class WorkerBridge {
  private port: MessagePort | undefined;
  private pendingWelcome: PendingWelcome | undefined;
  private container: ServiceWorkerContainer | undefined;
  private stopReporting = () => {};
  /**
   * What the player loaded before the worker controlled the page: told on every port, a lost one included, so a
   * restarted worker reads its manifests again; sizes only the first time, so no byte is counted twice.
   */
  private readonly loadedBeforeControl: LoadedResource[] = [];
  private readonly onControllerChange = () => {
    if (this.port) void this.connect();
  };
  private readonly onWorkerMessage = (event: MessageEvent) => {
    // The worker lost our port (it was restarted): it asks for a new hello through Client.postMessage.
    if (this.port && isWorkerToPageMessage(event.data) && event.data.type === 'hello-request')
      void this.connect();
  };

  constructor(
    private readonly options: BridgeOptions,
    private readonly events: BridgeEvents,
  ) {}

  /**
   * Resolves once the worker controls the page and has taken our settings (its `welcome`); rejects with a
   * PeerlaneError. On a first visit the player does not wait for this (see index.ts): what it loaded until then is
   * reported to the worker, which reads the manifests among it again.
   */
  async start(): Promise<void> {
    if (!supportsServiceWorkers()) {
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
    const registering = container.register(this.options.sw, { scope: this.options.scope }).then(
      () => markPhase('sw-registered'),
      (error: unknown) => {
        throw new PeerlaneError('sw-register-failed', { url: this.options.sw, cause: describeCause(error) });
      },
    );
    // Already controlled by this very script (a returning visit, or the tag's data-sw installed it while the page
    // loaded): register() has nothing to change, so say hello at once instead of waiting for its round trip.
    if (isControlledBy(this.options.sw)) registering.catch(() => {});
    else await registering;
    await this.controlled(container);
    markPhase('sw-controlled');
    await this.connect();
    markPhase('welcome');
    if (!controlledSinceLoad())
      this.stopReporting = reportLoadedBeforeControl(performance.now(), (resources) => {
        this.tellLoadedBeforeControl(resources);
        this.loadedBeforeControl.push(...resources.map(({ url }) => ({ url, bytes: 0, ms: 0 })));
      });
  }

  /** The worker calls clients.claim() on activation, so a first visit is controlled without a reload. */
  private controlled(container: ServiceWorkerContainer): Promise<void> {
    if (container.controller) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        container.removeEventListener('controllerchange', done);
        if (container.controller) resolve();
        else reject(new PeerlaneError('sw-not-controlling', { waitedMs: this.options.controlTimeoutMs }));
      };
      const timer = setTimeout(done, this.options.controlTimeoutMs);
      container.addEventListener('controllerchange', done);
    });
  }

  /**
   * Says hello on a new port; resolves at the worker's welcome (it comes as soon as the worker has started and
   * loaded its state), or after controlTimeoutMs without one: then the page goes on, and only its first requests
   * may miss the settings. A hello said again before the welcome (the worker's hello-request, queued on a first
   * visit while the page was controlled before start()) closes the first port: the welcome on either settles it.
   */
  private connect(): Promise<void> {
    const controller = this.container?.controller;
    if (!controller) return Promise.resolve();
    this.port?.close();
    const channel = new MessageChannel();
    const waiting = this.pendingWelcome ?? this.waitForWelcome();
    channel.port1.onmessage = (event) => {
      if (!isWorkerToPageMessage(event.data)) return;
      if (event.data.type === 'welcome') waiting.settle();
      this.events.message(event.data);
    };
    this.port = channel.port1;
    const hello: PageToWorkerMessage = {
      type: 'hello',
      version: PEERLANE_VERSION,
      settings: this.options.settings,
    };
    controller.postMessage(hello, [channel.port2]);
    this.tellLoadedBeforeControl(this.loadedBeforeControl);
    this.events.connected();
    return waiting.welcomed;
  }

  private waitForWelcome(): PendingWelcome {
    let settle = () => {};
    const welcomed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.controlTimeoutMs);
      settle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const waiting = { welcomed, settle };
    this.pendingWelcome = waiting;
    void welcomed.then(() => {
      if (this.pendingWelcome === waiting) this.pendingWelcome = undefined;
    });
    return waiting;
  }

  private tellLoadedBeforeControl(resources: readonly LoadedResource[]): void {
    for (let from = 0; from < resources.length; from += MAX_LOADED_BEFORE_CONTROL) {
      const part = resources.slice(from, from + MAX_LOADED_BEFORE_CONTROL);
      this.post({ type: 'loaded-before-control', resources: part });
    }
  }

  /** Sends on the current port; `transfer` moves segment bytes instead of copying them. */
  post(message: PageToWorkerMessage, transfer: Transferable[] = []): void {
    this.port?.postMessage(message, transfer);
  }

  destroy(): void {
    this.stopReporting();
    this.container?.removeEventListener('controllerchange', this.onControllerChange);
    this.container?.removeEventListener('message', this.onWorkerMessage);
    this.port?.close();
    this.port = undefined;
  }
}
