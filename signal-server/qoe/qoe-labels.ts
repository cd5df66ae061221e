// The labels of the peerlane_qoe_* series, kept few: a swarm gets its own label when --qoe-swarms lists it
// (exactly, or by a prefix ending in *, which labels all it matches as that entry) or when it is among the
// --qoe-top-swarms with the most sessions; an ASN among the --qoe-top-asns; a country by its ISO code. At most
// --qoe-max-label-sets sets exist; a swarm or ASN that leaves the top takes its series along (forget).
import type { SignalServerConfig } from '../config';
import type { ClientDescription } from './qoe-sessions';
import { TopKeys } from './top-keys';

export interface QoeLabels {
  swarm: string;
  asn: string;
  country: string;
}

export const UNKNOWN = 'unknown';
export const OTHER = 'other';
const ALL_OTHER: QoeLabels = Object.freeze({ swarm: OTHER, asn: OTHER, country: OTHER });
/** How fast past sessions stop counting toward the top (halved every hour). */
const HALF_LIFE_MS = 3_600_000;
const MAX_ASN = 4_294_967_295;

export type QoeLabelsConfig = Pick<
  SignalServerConfig,
  'qoeSwarms' | 'qoeTopSwarms' | 'qoeTopAsns' | 'qoeMaxLabelSets'
>;

export class QoeLabeller {
  private readonly swarms: TopKeys;
  private readonly asns: TopKeys;
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];
  /** Label sets in use, by their joined values. */
  private readonly sets = new Map<string, QoeLabels>();

  /** `forget`: a label set's series must go (its swarm or ASN left the top). */
  constructor(
    private readonly config: QoeLabelsConfig,
    private readonly forget: (labels: QoeLabels) => void,
    now: number,
  ) {
    for (const entry of config.qoeSwarms.split(',').map((item) => item.trim())) {
      if (entry.endsWith('*')) this.prefixes.push(entry);
      else if (entry) this.exact.add(entry);
    }
    this.swarms = new TopKeys(config.qoeTopSwarms, HALF_LIFE_MS, (swarm) => this.drop('swarm', swarm), now);
    this.asns = new TopKeys(config.qoeTopAsns, HALF_LIFE_MS, (asn) => this.drop('asn', asn), now);
  }

  /** A session reported from `swarm` for the first time: one more session toward the top swarms. */
  swarmSeen(swarm: string, now: number): void {
    if (this.listed(swarm) === undefined) this.swarms.hit(swarm, now);
  }

  /** A session new to this process, from `client`: one more toward the top ASNs. */
  clientSeen(client: ClientDescription, now: number): void {
    const asn = validAsn(client.asn);
    if (asn !== undefined) this.asns.hit(asn, now);
  }

  labels(swarm: string | undefined, client: ClientDescription): QoeLabels {
    const asn = validAsn(client.asn);
    const labels: QoeLabels = {
      swarm: swarm === undefined ? UNKNOWN : (this.listed(swarm) ?? (this.swarms.has(swarm) ? swarm : OTHER)),
      asn: asn === undefined ? UNKNOWN : this.asns.has(asn) ? asn : OTHER,
      country: /^[A-Za-z]{2}$/.test(client.country ?? '')
        ? (client.country as string).toUpperCase()
        : UNKNOWN,
    };
    const key = `${labels.swarm}\n${labels.asn}\n${labels.country}`;
    if (this.sets.has(key)) return labels;
    if (this.sets.size >= this.config.qoeMaxLabelSets) return ALL_OTHER;
    this.sets.set(key, labels);
    return labels;
  }

  /** The --qoe-swarms entry that labels `swarm`, if any. */
  private listed(swarm: string): string | undefined {
    if (this.exact.has(swarm)) return swarm;
    return this.prefixes.find((prefix) => swarm.startsWith(prefix.slice(0, -1)));
  }

  private drop(field: 'swarm' | 'asn', value: string): void {
    for (const [key, labels] of this.sets) {
      if (labels[field] !== value) continue;
      this.sets.delete(key);
      this.forget(labels);
    }
  }
}

function validAsn(asn: number | undefined): string | undefined {
  return Number.isSafeInteger(asn) && (asn as number) > 0 && (asn as number) <= MAX_ASN
    ? String(asn)
    : undefined;
}
