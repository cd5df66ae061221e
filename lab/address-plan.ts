// The lab's address plan, worked out from its settings alone (no system calls): which ISP each viewer is in,
// its address, whether it sits behind NAT, its caps. See lab/README.md for the plan as a table.
import { type LabConfig, TRANSIT_KBPS_PER_VIEWER } from './lab-config';

/** The link between the root namespace (where the harness's servers listen) and the core (TEST-NET-2). */
export const SERVICES_NETWORK = '198.51.100.0/24';
/** Root-namespace end: the signal server and the origin/CDN bind here; viewers reach it through the core. */
export const SERVICES_HOST = '198.51.100.1';
/** Core end: coturn listens and relays here; the root namespace routes the ISP blocks through it. */
export const CORE_ADDRESS = '198.51.100.2';
/** Every lab address outside the services link: ISP blocks 100.65–100.80.0.0/16, home subnets 100.64.n.0/24. */
export const LAB_BLOCK = '100.64.0.0/10';
/** RFC 5398 documentation ASNs: ISP n gets 64495 + n. */
const FIRST_ASN = 64496;
/** Two ISPs per country, so "same country, other ISP" exists whenever there are 3 or more ISPs. */
const COUNTRIES = ['DE', 'FR', 'NL', 'PL', 'SE', 'IT', 'ES', 'AT'];
/** Host part of the first viewer address in an ISP block (.1 is the core's gateway). */
const FIRST_HOST = 10;

export interface IspPlan {
  /** 'isp1'… (also the name of its bridge in the core namespace). */
  name: string;
  /** The ISP's address block, e.g. '100.65.0.0/16'. */
  block: string;
  /** The core's address on the ISP's bridge: every customer's default route. */
  gateway: string;
  asn: number;
  organization: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** Its interconnect to the other ISPs, kbit/s each way (null: unlimited). */
  transitKbps: number | null;
}

export interface NatPlan {
  /** The home subnet, e.g. '100.64.3.0/24' (not in any ISP block: the GeoIP databases do not know it). */
  subnet: string;
  /** The home router's inside address, the viewer's gateway. */
  routerInside: string;
  /** The viewer's own address, its WebRTC host candidate. */
  privateAddress: string;
}

export interface ViewerPlan {
  /** 'v1'…, in join order (the harness's viewer names). */
  name: string;
  isp: IspPlan;
  /** The address servers and peers see: the viewer's own, or its home router's outside address under NAT. */
  address: string;
  /** Behind a home NAT router (iptables MASQUERADE), or null. */
  nat: NatPlan | null;
  /** Caps of its access link, kbit/s (null: none). */
  uplinkKbps: number | null;
  downlinkKbps: number | null;
}

export interface LabPlan {
  isps: IspPlan[];
  viewers: ViewerPlan[];
}

export function planLab(config: LabConfig): LabPlan {
  const isps = Array.from({ length: config.isps }, (_, index) => {
    const customers = Math.max(1, Math.ceil((config.viewers - index) / config.isps));
    const transitKbps = config.transitKbps ?? customers * TRANSIT_KBPS_PER_VIEWER;
    return ispPlan(index + 1, transitKbps === 0 ? null : transitKbps);
  });
  // Viewers in ISP-major order (all of ISP 1's, then ISP 2's…), so picks spread evenly over it spread over ISPs.
  const byIsp = Array.from({ length: config.viewers }, (_, index) => index).sort(
    (a, b) => (a % config.isps) - (b % config.isps) || a - b,
  );
  const natted = spread(byIsp, Math.floor(config.viewers * config.natShare), 'last');
  const capped = spread(byIsp, config.cappedUploaders, 'first');
  const viewers = Array.from({ length: config.viewers }, (_, index): ViewerPlan => {
    const isp = isps[index % config.isps] as IspPlan;
    const [a, b] = isp.gateway.split('.');
    const host = FIRST_HOST + Math.floor(index / config.isps);
    const address = `${a}.${b}.${Math.floor(host / 256)}.${host % 256}`;
    const home = index + 1;
    return {
      name: `v${index + 1}`,
      isp,
      address,
      nat: natted.has(index)
        ? {
            subnet: `100.64.${home}.0/24`,
            routerInside: `100.64.${home}.1`,
            privateAddress: `100.64.${home}.2`,
          }
        : null,
      uplinkKbps: capped.has(index) ? config.cappedUplinkKbps : config.uplinkKbps,
      downlinkKbps: config.downlinkKbps,
    };
  });
  return { isps, viewers };
}

function ispPlan(n: number, transitKbps: number | null): IspPlan {
  return {
    name: `isp${n}`,
    block: `100.${64 + n}.0.0/16`,
    gateway: `100.${64 + n}.0.1`,
    asn: FIRST_ASN + n - 1,
    organization: `Peerlane Lab ISP ${n}`,
    country: COUNTRIES[Math.floor((n - 1) / 2) % COUNTRIES.length] as string,
    transitKbps,
  };
}

/**
 * `count` of `order`'s items, one per stride of order.length / count: the first or the last of each stride.
 * NAT takes the last and capped uploaders the first, so the two differ while each is at most half the viewers.
 */
function spread(order: number[], count: number, which: 'first' | 'last'): Set<number> {
  const picked = new Set<number>();
  for (let j = 0; j < count; j++) {
    const start = Math.floor((j * order.length) / count);
    const end = Math.floor(((j + 1) * order.length) / count) - 1;
    picked.add(order[which === 'first' ? start : end] as number);
  }
  return picked;
}
