// Settings of the network lab: every field, its default, and the one place they are merged and checked.
// The swarm harness's --lab flags and the lab CLI (lab/main.ts) map onto these fields one to one.
import { LabError } from './lab-error';

export interface LabConfig {
  /** ISPs: address blocks with their own ASN and country (see address-plan.ts), 1..16. Default 3. */
  isps: number;
  /** Viewers, dealt to the ISPs in turn (v1 → ISP 1, v2 → ISP 2, …), 1..250. Default 9. */
  viewers: number;
  /** Share of viewers behind a home NAT router, 0..1: floor(viewers × share), spread over the ISPs. Default 0. */
  natShare: number;
  /** Every viewer's uplink cap, kbit/s (null: none). Default null. */
  uplinkKbps: number | null;
  /** Every viewer's downlink cap, kbit/s (null: none). Default null. */
  downlinkKbps: number | null;
  /** This many viewers, spread over the ISPs (the first to join in each), get `cappedUplinkKbps` instead. Default 0. */
  cappedUploaders: number;
  /** The low uplink of the capped uploaders, kbit/s. Default 500 (below the test stream's 480p). */
  cappedUplinkKbps: number;
  /**
   * Capacity of each ISP's interconnect (its transit link), kbit/s each way, for traffic between ISP blocks; traffic
   * to and from the services address (CDN, signal server, coturn) is not shaped. 0: unlimited. Default null:
   * TRANSIT_KBPS_PER_VIEWER for each of the ISP's viewers (README: "Transit").
   */
  transitKbps: number | null;
  /** Where each running lab records what it created, so a later start can remove a crashed run's leftovers. */
  stateDir: string;
}

export type LabOptions = Partial<LabConfig>;

export const labDefaults: LabConfig = {
  isps: 3,
  viewers: 9,
  natShare: 0,
  uplinkKbps: null,
  downlinkKbps: null,
  cappedUploaders: 0,
  cappedUplinkKbps: 500,
  transitKbps: null,
  stateDir: '/run/peerlane-lab',
};

/** Most ISPs: one per documentation ASN (RFC 5398: 64496–64511). */
export const MAX_ISPS = 16;
/** Most viewers: one home subnet 100.64.<n>.0/24 each. */
export const MAX_VIEWERS = 250;
/**
 * An ISP's interconnect capacity per subscriber: a line carries ~2.5 Mbit/s in the busy hour (Ofcom 2022: 453 GB a
 * month, ~7 % of a day's traffic in its busiest hour), and about a third of it comes through interconnects — the
 * rest from CDN caches inside the ISP (an assumption; lab/README.md, "Transit", has the reasoning).
 */
export const TRANSIT_KBPS_PER_VIEWER = 1000;
/** tbf below ~8 kbit/s cannot hold a full-size packet in its burst within a sane latency. */
const MIN_KBPS = 8;

/** Merges `options` over the defaults; throws LabError('bad-option') naming the field. */
export function resolveLabConfig(options: LabOptions = {}): LabConfig {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const config: LabConfig = { ...labDefaults, ...defined };
  const check = (ok: boolean, field: keyof LabConfig, expected: string) => {
    if (!ok) throw new LabError('bad-option', `${field} must be ${expected}, got ${String(config[field])}`);
  };
  const integerIn = (value: number, min: number, max: number) =>
    Number.isInteger(value) && value >= min && value <= max;
  const rate = (value: number | null) => value === null || (Number.isFinite(value) && value >= MIN_KBPS);
  check(integerIn(config.isps, 1, MAX_ISPS), 'isps', `an integer 1..${MAX_ISPS}`);
  check(integerIn(config.viewers, 1, MAX_VIEWERS), 'viewers', `an integer 1..${MAX_VIEWERS}`);
  check(config.natShare >= 0 && config.natShare <= 1, 'natShare', 'a number 0..1');
  check(rate(config.uplinkKbps), 'uplinkKbps', `null or a number ≥ ${MIN_KBPS}`);
  check(rate(config.downlinkKbps), 'downlinkKbps', `null or a number ≥ ${MIN_KBPS}`);
  check(integerIn(config.cappedUploaders, 0, config.viewers), 'cappedUploaders', `an integer 0..viewers`);
  check(rate(config.cappedUplinkKbps), 'cappedUplinkKbps', `a number ≥ ${MIN_KBPS}`);
  const transit = config.transitKbps;
  check(
    transit === null || transit === 0 || rate(transit),
    'transitKbps',
    `null, 0 or a number ≥ ${MIN_KBPS}`,
  );
  return config;
}
