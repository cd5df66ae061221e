// The transport: uWebSockets.js (or the fallback) moving bytes between sockets and the signaling rules,
// plus cluster mode (Redis) when configured, and the graceful drain. Handlers stay short and synchronous;
// a closed socket is never touched (signaling drops its reference).
import { createAdmissionPolicy } from './access/admission';
import { clientIp } from './access/client-ip';
import type { PubSubKind } from './cluster/redis-link';
import { startCluster } from './cluster/start-cluster';
import { resolveConfig, type SignalServerConfig } from './config';
import { SignalServerError } from './errors';
import { createGeoLookup, type GeoLookup } from './geo/geo-lookup';
import { startHashService } from './hash-service/start-hash-service';
import { loadEngine } from './http/engine';
import type { Engine, EngineKind, EngineRequest, EngineResponse, EngineSocket } from './http/engine-api';
import { createHttpRoutes, type HttpReply, type HttpRoutes, statusLine } from './http/http-routes';
import { createSignalMetrics } from './metrics';
import type { PeerSession } from './peerjs/peer-session';
import { isBeacon, receiveBeacon } from './qoe/qoe-beacon';
import { describeByGeo, startQoe } from './qoe/start-qoe';
import { Signaling } from './signaling';
import type { ClusterInbox, Transport } from './signaling-ports';
import { createHashMetrics } from './trust/hash-metrics';

export interface SignalServer {
  /** The port actually listened on (the chosen one when config.port is 0). */
  port: number;
  engine: EngineKind;
  config: SignalServerConfig;
  /** Cluster mode: this process's id and the pub/sub kind in use; null in the single-process mode. */
  cluster: { node: string; pubsub: PubSubKind } | null;
  /** Stops accepting, ends every peer with 1001 "going away", and resolves once all are closed. */
  close(): Promise<void>;
  /**
   * Graceful drain (SIGTERM): /healthz answers 503 draining, new connections are turned away, every peer
   * gets RECONNECT with a random delay within drainSpreadMs and is closed then; resolves once all are gone,
   * or after shutdownTimeoutMs at most, with the server closed.
   */
  drain(): Promise<void>;
}

export interface StartOptions {
  /** For tests: run on a given engine instead of loading uWebSockets.js. */
  engine?: Engine;
  /** Operator messages (Redis down/up, a peer excluded from a swarm, GeoIP databases). Default: stderr, prefixed `peerlane-signal:`. */
  log?: (line: string) => void;
  /** For tests: this GeoIP lookup instead of the one config.geoipAsn / geoipCountry describe. */
  geo?: GeoLookup;
}

const stderrLog = (line: string) => process.stderr.write(`peerlane-signal: ${line}\n`);

/** A socket whose user data is its session, which in turn refers back to the socket. */
interface Socket extends EngineSocket<PeerSession<Socket>> {}

// uWS's own cut-off: frames between maxPayloadBytes and this get a clear ERROR; larger ones end the
// connection at once (uWS reports 1006 "Received too big message"), so memory stays bounded either way.
const HARD_PAYLOAD_FACTOR = 2;
/** uWS's LIBUS_LISTEN_EXCLUSIVE_PORT: a second server on a busy port must fail, not split the peers. */
const EXCLUSIVE_PORT = 1;

const transport: Transport<Socket> = {
  send: (socket, text) => {
    const status = socket.send(text, false);
    return status === 1 ? 'sent' : status === 0 ? 'buffered' : 'dropped';
  },
  bufferedAmount: (socket) => socket.getBufferedAmount(),
  close: (socket, code, reason) => socket.end(code, reason),
};

export async function startSignalServer(
  overrides: Partial<SignalServerConfig> = {},
  options: StartOptions = {},
): Promise<SignalServer> {
  const config = resolveConfig(overrides);
  const engine = options.engine ?? loadEngine();
  if (engine.kind === 'fallback' && !config.allowFallback) throw new SignalServerError('fallback-engine', {});

  // Before Redis: a bad keys file or origin list stops the start with nothing to clean up.
  const admission = createAdmissionPolicy(config);
  let status: 'ok' | 'draining' = 'ok';
  const stats = () => rules.stats();
  const metrics = createSignalMetrics(engine.kind, stats);
  const log = options.log ?? stderrLog;
  // Loads in the background: until it is in, networks are unknown and peers are ranked by what is known.
  const geo = options.geo ?? createGeoLookup(config, log);
  const qoe = startQoe(config, {
    registry: metrics.registry,
    describeClient: describeByGeo(geo),
    node: () => cluster?.node ?? '',
    log,
  });
  const cluster = config.redis ? await startCluster(config, metrics.registry, log) : null;
  let service: ReturnType<typeof startHashService>;
  try {
    service = startHashService(config, { registry: metrics.registry, log, claims: cluster?.fetchClaims });
  } catch (error) {
    await cluster?.close();
    throw error;
  }
  const rules = new Signaling<Socket>(config, {
    transport,
    matching: { geo },
    admission,
    telemetry: metrics.telemetry,
    hashes: {
      telemetry: createHashMetrics(metrics.registry),
      log,
      ...(cluster && { ledger: cluster.hashes, reports: cluster.peerReports }),
      ...(service && { service }),
    },
    ...(cluster && { cluster: cluster.port }),
    qoe: qoe.reports,
  });
  const directory = rules.directory;
  if (cluster) cluster.attach(inboxOf(rules));
  const routes = createHttpRoutes({
    config,
    engine: engine.kind,
    admission,
    status: () => status,
    stats,
    isConnected: (id) => directory.get(id) !== undefined,
    peerIds: () => directory.ids(),
    metrics: metrics.registry,
    startedAt: Date.now(),
    ...(cluster && {
      cluster: () => ({ node: cluster.node, pubsub: cluster.pubsub, redis: cluster.isUp() ? 'up' : 'down' }),
    }),
  });
  const decoder = new TextDecoder();

  const app = engine.uws.App();
  app.ws<PeerSession<Socket>>(`${config.path}peerjs`, {
    maxPayloadLength: config.maxPayloadBytes * HARD_PAYLOAD_FACTOR,
    // Our own check (maxBufferedBytes) comes first; this is uWS's backstop for one last message.
    maxBackpressure: config.maxBufferedBytes + config.maxPayloadBytes * HARD_PAYLOAD_FACTOR,
    // One sweep timer for all sockets replaces uWS's per-socket idle timeout (see Signaling.sweep).
    idleTimeout: 0,
    sendPingsAutomatically: false,
    upgrade: (res, req, context) => {
      // Everything is read from `req` synchronously: it is stack-allocated and gone after return.
      const session = rules.handshake({
        key: req.getQuery('key') ?? '',
        id: req.getQuery('id') ?? '',
        token: req.getQuery('token') ?? '',
        version: req.getQuery('version') ?? '',
        origin: req.getHeader('origin'),
        ip: clientIp(
          decoder.decode(res.getRemoteAddressAsText()),
          req.getHeader('x-forwarded-for'),
          config.trustProxy,
        ),
      });
      res.upgrade(
        session,
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => rules.open(ws.getUserData(), ws),
    message: (ws, data, isBinary) => {
      const session = ws.getUserData();
      if (isBinary) rules.binaryFrame(session);
      else if (data.byteLength > config.maxPayloadBytes) rules.oversizedFrame(session, data.byteLength);
      // decode() copies the bytes into a string: nothing keeps `data`, which uWS neuters on return.
      else rules.message(session, decoder.decode(data));
    },
    close: (ws, code, reason) => {
      const session = ws.getUserData();
      // The engine itself cut an oversized frame (uWS: 1006 + this text; ws: 1009) before we saw it.
      const cut = code === 1009 || (code === 1006 && decoder.decode(reason) === 'Received too big message');
      if (cut && session.status === 'open') metrics.telemetry.rejected('payload-too-large');
      rules.closed(session);
    },
  });
  const beacons = { config, origins: admission.origins, reports: qoe.reports };
  app.any('/*', (res, req) =>
    isBeacon(req.getMethod(), req.getUrl(), config.path)
      ? receiveBeacon(res, req, beacons)
      : serveHttp(res, req, routes),
  );

  const listenSocket = await new Promise<unknown>((resolve) => {
    if (config.host) app.listen(config.host, config.port, EXCLUSIVE_PORT, resolve);
    else app.listen(config.port, EXCLUSIVE_PORT, resolve);
  });
  if (!listenSocket) {
    app.close();
    await cluster?.close();
    await qoe.close();
    throw new SignalServerError('listen-failed', { host: config.host, port: config.port });
  }
  const port = engine.uws.us_socket_local_port(listenSocket);
  const sweeper = setInterval(() => rules.sweep(), config.sweepIntervalMs);
  sweeper.unref();

  let closing: Promise<void> | undefined;
  /** Ends whoever is left with 1001, waiting `waitMs` at most for them to close, then closes everything. */
  const finish = (waitMs: number) => {
    closing ??= (async () => {
      status = 'draining';
      engine.uws.us_listen_socket_close(listenSocket);
      clearInterval(sweeper);
      await within(rules.shutdown(), waitMs);
      // Also ends idle HTTP keep-alive connections and any socket that ignored the close handshake.
      app.close();
      await cluster?.close();
      await qoe.close();
    })();
    return closing;
  };
  const close = () => finish(config.shutdownTimeoutMs);

  let draining: Promise<void> | undefined;
  const drain = () => {
    draining ??= (async () => {
      status = 'draining';
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const closeDue = () => {
        const next = rules.closeDrained();
        if (next !== null) timer = setTimeout(closeDue, next);
      };
      const gone = rules.drain(config.drainSpreadMs);
      closeDue();
      await within(gone, config.shutdownTimeoutMs);
      clearTimeout(timer);
      await finish(Math.max(0, config.shutdownTimeoutMs - (Date.now() - started)));
    })();
    return draining;
  };
  return {
    port,
    engine: engine.kind,
    config,
    cluster: cluster && { node: cluster.node, pubsub: cluster.pubsub },
    close,
    drain,
  };
}

/** Settles when `promise` does, or after `ms`, whichever comes first. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([promise, deadline]);
  clearTimeout(timer);
}

/** What the cluster hands the signaling rules: messages to deliver, arrivals, evictions; what to refresh. */
function inboxOf(rules: Signaling<Socket>): ClusterInbox {
  const { delivery, directory, registry } = rules;
  return {
    receive: (message, hops) => delivery.receive(message, hops),
    absent: (message) => delivery.absent(message),
    arrived: (id) => delivery.arrived(id),
    evict: (id, token) => rules.evict(id, token),
    hashAccepted: (swarm, hash) => rules.hashes.accepted(swarm, hash),
    peers: () => directory.peers(),
    swarms: () => registry.entries(),
  };
}

function serveHttp(res: EngineResponse, req: EngineRequest, routes: HttpRoutes): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  const write = (reply: HttpReply) => {
    if (aborted) return;
    res.cork(() => {
      res.writeStatus(statusLine(reply.status));
      for (const [key, value] of Object.entries(reply.headers)) res.writeHeader(key, value);
      res.end(reply.body);
    });
  };
  const reply = routes({
    method: req.getMethod(),
    url: req.getUrl(),
    origin: req.getHeader('origin'),
    requestHeaders: req.getHeader('access-control-request-headers'),
  });
  if (reply instanceof Promise) {
    reply.then(write, (error: unknown) =>
      write({
        status: 500,
        headers: { 'Content-Type': 'text/plain' },
        body: `metrics failed: ${String(error)}`,
      }),
    );
  } else {
    write(reply);
  }
}
