// Builds the lab's namespaces, links, routes, NAT and caps from its plan. Every namespace is recorded before
// it is created (lab-state.ts); deleting the namespaces removes every link, route and qdisc with them.
//
//   root ns ── pllab<pid>h 198.51.100.1 ══ svc 198.51.100.2 ── core ns (router, coturn)
//                                                             ├─ bridge isp1 100.65.0.1/16 ── v1 ══ eth0 (viewer ns)
//                                                             └─ bridge isp2 100.66.0.1/16 ── v2 ══ wan (home router ns,
//                                                                                 MASQUERADE) ── lan ══ eth0 (viewer ns)
// Each bridge is also its ISP's transit link: traffic between ISP blocks is shaped there (traffic-caps.ts).
import { CORE_ADDRESS, type LabPlan, SERVICES_HOST, SERVICES_NETWORK, type ViewerPlan } from './address-plan';
import type { LabRecord } from './lab-state';
import { ipBatch, run, runIn, tcBatch } from './run-command';
import { tbfArgs, transitCommands } from './traffic-caps';

export interface LabNames {
  core: string;
  /** The root namespace's end of the services link. */
  rootLink: string;
  /** The namespace a viewer's Chromium runs in. */
  viewer(name: string): string;
  /** A NAT'd viewer's home router. */
  router(name: string): string;
}

export function labNames(prefix: string): LabNames {
  return {
    core: `${prefix}-core`,
    rootLink: `${prefix}h`,
    viewer: (name) => `${prefix}-${name}`,
    router: (name) => `${prefix}-${name}-router`,
  };
}

const SERVICES_PREFIX = SERVICES_NETWORK.split('/')[1];

export function buildNetwork(plan: LabPlan, names: LabNames, record: LabRecord, iptables: string): void {
  const namespaces = [
    names.core,
    ...plan.viewers.flatMap((viewer) => [
      names.viewer(viewer.name),
      ...(viewer.nat ? [names.router(viewer.name)] : []),
    ]),
  ];
  for (const namespace of namespaces) record.add('namespaces', namespace);
  record.add('rootLinks', names.rootLink);
  ipBatch(null, [
    ...namespaces.map((namespace) => `netns add ${namespace}`),
    `link add ${names.rootLink} type veth peer name svc netns ${names.core}`,
  ]);

  // The core: a router between the ISPs' bridges and the services link, with no default route, so nothing
  // from a viewer can leave the lab.
  ipBatch(names.core, [
    'link set lo up',
    `addr add ${CORE_ADDRESS}/${SERVICES_PREFIX} dev svc`,
    'link set svc up',
    ...plan.isps.flatMap((isp) => [
      `link add ${isp.name} type bridge`,
      `addr add ${isp.gateway}/16 dev ${isp.name}`,
      `link set ${isp.name} up`,
    ]),
    ...plan.viewers.flatMap((viewer) => [
      `link add ${viewer.name} type veth peer name ${viewer.nat ? 'wan' : 'eth0'} netns ${customerSide(viewer, names)}`,
      `link set ${viewer.name} master ${viewer.isp.name}`,
      `link set ${viewer.name} up`,
    ]),
  ]);
  forward(names.core);
  const transit = plan.isps.flatMap((isp) =>
    isp.transitKbps === null ? [] : [{ bridge: isp.name, ifb: `${isp.name}out`, kbps: isp.transitKbps }],
  );
  ipBatch(
    names.core,
    transit.flatMap(({ ifb }) => [`link add ${ifb} type ifb`, `link set ${ifb} up`]),
  );
  tcBatch(
    names.core,
    transit.flatMap(({ bridge, ifb, kbps }) => transitCommands(bridge, ifb, kbps)),
  );
  ipBatch(null, [
    `addr add ${SERVICES_HOST}/${SERVICES_PREFIX} dev ${names.rootLink}`,
    `link set ${names.rootLink} up`,
    ...plan.isps.map((isp) => `route add ${isp.block} via ${CORE_ADDRESS} dev ${names.rootLink}`),
  ]);

  for (const viewer of plan.viewers) {
    const namespace = names.viewer(viewer.name);
    if (viewer.nat) {
      const router = names.router(viewer.name);
      ipBatch(router, [
        'link set lo up',
        `addr add ${viewer.address}/16 dev wan`,
        'link set wan up',
        `route add default via ${viewer.isp.gateway}`,
        `link add lan type veth peer name eth0 netns ${namespace}`,
        `addr add ${viewer.nat.routerInside}/24 dev lan`,
        'link set lan up',
      ]);
      forward(router);
      runIn(router, iptables, ['-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE']);
    }
    ipBatch(namespace, [
      'link set lo up',
      `addr add ${viewer.nat ? `${viewer.nat.privateAddress}/24` : `${viewer.address}/16`} dev eth0`,
      'link set eth0 up',
      `route add default via ${viewer.nat ? viewer.nat.routerInside : viewer.isp.gateway}`,
    ]);
    // The access link's two ends: the customer's side sends the uplink, the core's side the downlink.
    const uplinkDevice = viewer.nat ? 'wan' : 'eth0';
    if (viewer.uplinkKbps !== null)
      run('tc', ['-n', customerSide(viewer, names), ...tbfArgs(uplinkDevice, viewer.uplinkKbps)]);
    if (viewer.downlinkKbps !== null)
      run('tc', ['-n', names.core, ...tbfArgs(viewer.name, viewer.downlinkKbps)]);
  }
}

/** The namespace at the customer end of a viewer's access link: the viewer itself, or its home router. */
function customerSide(viewer: ViewerPlan, names: LabNames): string {
  return viewer.nat ? names.router(viewer.name) : names.viewer(viewer.name);
}

/** Turns on IPv4 forwarding in `namespace` (a per-namespace setting; procps' sysctl may not be installed). */
function forward(namespace: string): void {
  runIn(namespace, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
}
