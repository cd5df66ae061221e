// POST <path>qoe: a page's last QoE report, sent with navigator.sendBeacon as it unloads (its socket may be
// gone already, the request may reach another process: the session token says whose it is). Everything is
// read from the request before returning (uWS frees it then), the body is bounded, and the answer is a bare
// status: sendBeacon never reads it, tests and operators do.
import { MAX_QOE_REPORT_BYTES } from '../../protocol/signaling/qoe-messages';
import type { AdmissionPolicy } from '../access/admission';
import { clientIp } from '../access/client-ip';
import type { SignalServerConfig } from '../config';
import type { EngineRequest, EngineResponse } from '../http/engine-api';
import { statusLine } from '../http/http-routes';
import type { QoeResult } from './qoe-metrics';
import type { QoeReports } from './qoe-reports';

/** The answer to each outcome (PROTOCOL.md "QoE reports"). */
const STATUS: Record<QoeResult, number> = {
  accepted: 204,
  duplicate: 204,
  malformed: 400,
  'bad-session': 403,
  'other-session': 403,
  off: 404,
  ended: 409,
  implausible: 422,
  'rate-limited': 429,
};

export interface BeaconContext {
  config: Pick<SignalServerConfig, 'path' | 'trustProxy'>;
  /** --allowed-origins: a beacon from another origin is refused, as its socket would be. */
  origins: AdmissionPolicy['origins'];
  reports: QoeReports;
}

const decoder = new TextDecoder();

export function isBeacon(method: string, url: string, path: string): boolean {
  return method === 'post' && url === `${path}qoe`;
}

export function receiveBeacon(res: EngineResponse, req: EngineRequest, context: BeaconContext): void {
  const origin = req.getHeader('origin');
  const remote = decoder.decode(res.getRemoteAddressAsText());
  const ip = clientIp(remote, req.getHeader('x-forwarded-for'), context.config.trustProxy);
  let answered = false;
  res.onAborted(() => {
    answered = true;
  });
  const answer = (status: number) => {
    if (answered) return;
    answered = true;
    res.cork(() => {
      res.writeStatus(statusLine(status));
      res.end();
    });
  };
  if (context.origins && !(origin && context.origins(origin))) {
    answer(403);
    return;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  res.onData((chunk, isLast) => {
    if (answered) return;
    size += chunk.byteLength;
    if (size > MAX_QOE_REPORT_BYTES) {
      answer(413);
      return;
    }
    // Copied: the engine frees the chunk when this returns.
    chunks.push(new Uint8Array(chunk.slice(0)));
    if (!isLast) return;
    const body = decoder.decode(Buffer.concat(chunks));
    answer(STATUS[context.reports.beacon(body, ip, Date.now())]);
  });
}
