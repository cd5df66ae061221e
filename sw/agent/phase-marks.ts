// Start-up phases as User Timing marks (`peerlane:<phase>`, the first of each per page load): DevTools, RUM
// scripts and the swarm harness see where the time to the first frame went without asking the agent.

export type StartPhase =
  /** The script tag's `data-sw` began installing the worker, before start(). */
  | 'sw-register-early'
  /** start() called. */
  | 'start'
  /** navigator.serviceWorker.register() resolved. */
  | 'sw-registered'
  /** The worker controls the page (at once when it already did). */
  | 'sw-controlled'
  /** start() resolved: the player may be created. */
  | 'ready'
  /** The worker took the page's settings (its `welcome`). */
  | 'welcome'
  /** The signal server accepted us (PeerJS OPEN). */
  | 'signal-open';

const marked = new Set<StartPhase>();

export function markPhase(phase: StartPhase): void {
  if (marked.has(phase) || typeof performance?.mark !== 'function') return;
  marked.add(phase);
  performance.mark(`peerlane:${phase}`);
}
