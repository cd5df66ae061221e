// The QoE settings of the signal server's one config object (config.ts spreads them in): whether reports are
// taken, how sessions are authenticated and bounded, how labels stay few, and the JSON-lines log.

export const qoeConfigSpec = {
  qoe: {
    default: true,
    help: "Accept viewers' QoE reports (QOE-REPORT, POST <path>qoe beacons) and export peerlane_qoe_* metrics; false: ignored (counted)",
  },
  qoeSecret: {
    default: '',
    help: "Key (≥ 32 chars) signing QoE session tokens; give every process of a cluster the same (by env: flags show in ps), so a viewer's reports stay valid wherever it reconnects; '' = random per process",
  },
  qoeSwarms: {
    default: '',
    help: "Swarms that always get their own swarm label, comma-separated: a swarm key, or a prefix ending in * (one label for every swarm it matches, e.g. a title's renditions)",
  },
  qoeTopSwarms: {
    default: 20,
    help: "Besides --qoe-swarms, the swarms with the most sessions (recently) that get their own swarm label; the rest are 'other'",
  },
  qoeTopAsns: {
    default: 50,
    help: "ASNs with the most sessions (recently) that get their own asn label; the rest are 'other'",
  },
  qoeMaxLabelSets: {
    default: 1_000,
    help: "Distinct (swarm, asn, country) label sets in the peerlane_qoe_* metrics; beyond, reports count under 'other'",
  },
  qoeReportsPerMinute: {
    default: 6,
    help: 'QoE reports one session may send per minute (the page agent sends 2, and one per tab hide); more are dropped (counted)',
  },
  qoeReportBurst: {
    default: 4,
    help: 'QoE reports one session may send at once before the per-minute rate applies',
  },
  qoeMaxMbps: {
    default: 1_000,
    help: "Media (all sources together) and upload rate over a report's period beyond which the report is implausible and refused (counted)",
  },
  qoeGraceSec: {
    default: 600,
    help: "Seconds a session's first report on this process may cover; each later one only what has passed since (a client's clock cannot run ahead)",
  },
  qoeMaxSessions: {
    default: 100_000,
    help: 'QoE sessions this process remembers (last seq, clock, labels); beyond, the least recently reporting is forgotten',
  },
  qoeSessionTtlMs: {
    default: 10 * 60_000,
    help: 'A QoE session without a report this long is forgotten: a later report counts its own period only, never twice',
  },
  qoeLog: {
    default: '',
    help: "Write every accepted QoE report as one JSON line to this file, rotated by size ('-' = stdout); '' = off",
  },
  qoeLogMaxBytes: {
    default: 64 * 1024 * 1024,
    help: 'Size at which --qoe-log moves to PATH.1 (PATH.1 to PATH.2, …) and starts a new file',
  },
  qoeLogFiles: {
    default: 5,
    help: 'Files --qoe-log keeps: PATH and PATH.1 … PATH.<n-1>; the oldest is deleted',
  },
} as const;
