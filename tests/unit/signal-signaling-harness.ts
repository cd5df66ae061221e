// The signaling rules without sockets, for tests: a fake transport records what would be sent and closed,
// a fake clock drives expiry, idle timeouts and rate limits, telemetry is kept as readable event lines.
import type { Handshake } from '../../signal-server/access/admission';
import { resolveConfig, type SignalServerConfig } from '../../signal-server/config';
import type { GeoLookup } from '../../signal-server/geo/geo-lookup';
import type { PeerSession } from '../../signal-server/peerjs/peer-session';
import { Signaling } from '../../signal-server/signaling';
import type { SignalTelemetry, Transport } from '../../signal-server/signaling-ports';
import type { HashExchangeDeps, HashTelemetry } from '../../signal-server/trust/hash-exchange';

export interface FakeSocket {
  session: PeerSession<FakeSocket>;
  sent: string[];
  buffered: number;
  closedWith: { code: number; reason: string } | null;
}

export function setupSignaling(
  overrides: Partial<SignalServerConfig> = {},
  options: { asyncClose?: boolean; geo?: GeoLookup; service?: HashExchangeDeps<FakeSocket>['service'] } = {},
) {
  let now = 1_000;
  const events: string[] = [];
  const telemetry: SignalTelemetry = {
    relayed: (type) => events.push(`relayed ${type}`),
    dropped: (type, reason) => events.push(`dropped ${type} ${reason}`),
    rejected: (code) => events.push(`rejected ${code}`),
    paired: (stage, network) => events.push(`paired ${stage} ${network}`),
    viewerState: (result) => events.push(`viewer-state ${result}`),
  };
  const transport: Transport<FakeSocket> = {
    send: (socket, text) => {
      socket.sent.push(text);
      return 'sent';
    },
    bufferedAmount: (socket) => socket.buffered,
    close: (socket, code, reason) => {
      socket.closedWith = { code, reason };
      // uWS reports the close synchronously; the ws fallback later (see `finishClose`).
      if (!options.asyncClose) signaling.closed(socket.session);
    },
  };
  const hashTelemetry: HashTelemetry = {
    voted: (result) => events.push(`voted ${result}`),
    queried: (asked, answered) => events.push(`queried ${asked} answered ${answered}`),
    notified: () => events.push('notified'),
    ignored: (type, reason) => events.push(`ignored ${type} ${reason}`),
    peerReported: (result) => events.push(`peer-report ${result}`),
    published: (result) => events.push(`published ${result}`),
    released: () => events.push('released'),
  };
  const logs: string[] = [];
  const signaling = new Signaling<FakeSocket>(resolveConfig(overrides), {
    transport,
    telemetry,
    now: () => now,
    hashes: {
      telemetry: hashTelemetry,
      log: (line) => logs.push(line),
      ...(options.service && { service: options.service }),
    },
    ...(options.geo && { matching: { geo: options.geo } }),
  });
  const connect = (id: string, handshake: Partial<Handshake> = {}): FakeSocket => {
    const session = signaling.handshake({
      key: 'peerjs',
      id,
      token: `token-of-${id}`,
      version: '1.5.5',
      origin: '',
      ip: '10.0.0.1',
      ...handshake,
    });
    const socket: FakeSocket = { session, sent: [], buffered: 0, closedWith: null };
    signaling.open(session, socket);
    return socket;
  };
  const send = (socket: FakeSocket, message: object) =>
    signaling.message(socket.session, JSON.stringify(message));
  const received = (socket: FakeSocket) => socket.sent.splice(0).map((text) => JSON.parse(text));
  const advance = (ms: number) => {
    now += ms;
    signaling.sweep();
  };
  const finishClose = (socket: FakeSocket) => signaling.closed(socket.session);
  const clock = () => now;
  return { signaling, connect, send, received, advance, finishClose, events, logs, clock };
}
