// The QoE side of a signal server, built from its config: session tokens, the sessions this process
// remembers, the labels, the peerlane_qoe_* metrics on the server's registry, and the log (--qoe-log).
import type { Registry } from 'prom-client';
import type { SignalServerConfig } from '../config';
import { SignalServerError } from '../errors';
import type { GeoLookup } from '../geo/geo-lookup';
import { QoeLabeller } from './qoe-labels';
import { QoeLog } from './qoe-log';
import { createQoeMetrics, type QoeMetrics } from './qoe-metrics';
import { type DescribeClient, QoeReports } from './qoe-reports';
import { QoeSessions } from './qoe-sessions';
import { SessionTokens } from './session-tokens';

export interface QoeOptions {
  registry: Registry;
  /** ASN and country of a client address (a GeoIP lookup). Default: none known (labels 'unknown'). */
  describeClient?: DescribeClient;
  /** This process in cluster mode ('' alone): named in log records. */
  node: () => string;
  /** Operator messages. */
  log: (line: string) => void;
}

export interface Qoe {
  reports: QoeReports;
  /** Writes what the log still holds and closes it. */
  close(): Promise<void>;
}

const describeNobody: DescribeClient = () => ({});

/** The asn and country labels from the server's GeoIP lookup (the one peer matching uses). */
export function describeByGeo(geo: GeoLookup): DescribeClient {
  return (ip) => {
    const { asn, country } = geo.lookup(ip);
    return { ...(asn !== null && { asn }), ...(country !== null && { country }) };
  };
}

export function startQoe(config: SignalServerConfig, options: QoeOptions): Qoe {
  const sessions = new QoeSessions(config);
  const metrics = createQoeMetrics(options.registry, () => sessions.size);
  const log = config.qoeLog ? openLog(config, metrics.logged) : null;
  if (config.qoe && config.redis && !config.qoeSecret)
    options.log(
      'QoE reports: no --qoe-secret in cluster mode, so a viewer that reconnects to another process has its ' +
        'reports refused there (counted as bad-session); give every process the same secret',
    );
  const reports = new QoeReports(config, {
    tokens: new SessionTokens(config.qoeSecret),
    sessions,
    labels: new QoeLabeller(config, metrics.forget, Date.now()),
    metrics,
    log,
    describeClient: options.describeClient ?? describeNobody,
    node: options.node,
  });
  return { reports, close: async () => log?.close() };
}

function openLog(config: SignalServerConfig, counted: QoeMetrics['logged']): QoeLog {
  try {
    return new QoeLog(config, counted);
  } catch (error) {
    throw new SignalServerError('qoe-log-failed', { path: config.qoeLog, reason: (error as Error).message });
  }
}
