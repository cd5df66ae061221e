// Where each viewer's start-up went, phase by phase: ms from navigation start to each moment, read from the
// page (Peerlane's `peerlane:*` User Timing marks, Resource Timing, the probe's own events). Null: never happened
// (CDN only has no worker and no signal server).
import type { Probe } from '../../tests/support/viewer';

export const STARTUP_PHASES = [
  'swRegisterEarly',
  'startCalled',
  'swRegistered',
  'swControlled',
  'startResolved',
  'signalOpen',
  'firstManifest',
  'firstSegment',
  'firstPlaying',
] as const;
export type StartupPhase = (typeof STARTUP_PHASES)[number];
export type StartupPhases = Record<StartupPhase, number | null>;

export const PHASE_LABELS: Record<StartupPhase, string> = {
  swRegisterEarly: "worker install began (the tag's data-sw)",
  startCalled: 'Peerlane.start() called',
  swRegistered: 'service worker registered',
  swControlled: 'service worker controls the page',
  startResolved: 'Peerlane.start() resolved (player created)',
  signalOpen: 'signal server open',
  firstManifest: 'player has its first manifest',
  firstSegment: 'player has its first segment',
  firstPlaying: 'first frame (playing)',
};

export function startupPhases(probe: Probe): StartupPhases {
  const received = probe.segments.map((segment) => segment.receivedAt);
  return {
    swRegisterEarly: probe.phases['sw-register-early'] ?? null,
    startCalled: probe.phases.start ?? null,
    swRegistered: probe.phases['sw-registered'] ?? null,
    swControlled: probe.phases['sw-controlled'] ?? null,
    startResolved: probe.phases.ready ?? null,
    signalOpen: probe.phases['signal-open'] ?? null,
    firstManifest: probe.firstManifestAt,
    firstSegment: received.length > 0 ? Math.min(...received) : null,
    firstPlaying: probe.firstPlayAt,
  };
}

/** Each phase's median over the viewers where it happened. */
export function medianPhases(all: readonly StartupPhases[]): StartupPhases {
  const entries = STARTUP_PHASES.map((phase) => {
    const values = all.flatMap((phases) => (phases[phase] === null ? [] : [phases[phase] as number]));
    return [phase, median(values)] as const;
  });
  return Object.fromEntries(entries) as StartupPhases;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
