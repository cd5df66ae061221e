// Load-client process for the signal benchmark: holds PeerJS-protocol WebSockets (as the stock client opens
// them) and relays OFFERs between pairs on command from the parent; runs apart so the server is measured alone.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { LoadCommand, LoadReply, OpenedReply, RelayedReply } from './load-messages';

/** A Chrome data-channel offer trimmed to ~300 bytes: the size the benchmark promises. */
const SDP = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:Xk3d',
  'a=ice-pwd:1mB0dF6Qw4yVfQzT2nS7pL9a',
  'a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB',
  'a=setup:actpass',
  'a=mid:0',
  'a=sctp-port:5000',
  '',
].join('\r\n');
const OPEN_TIMEOUT_MS = 15_000;
// Drain: once sending stops, wait this long without a new arrival before calling the rest lost.
const DRAIN_IDLE_MS = 3_000;
// Parse-and-verify one relayed OFFER in this many (JSON.parse on every one would cap the client, not the server).
const VERIFY_EVERY = 64;
const OFFER_MARK = Buffer.from('"OFFER"');
const MAX_ERRORS_KEPT = 5;

interface PeerSocket {
  id: string;
  ws: WebSocket;
}

const sockets: PeerSocket[] = [];
let heartbeat: NodeJS.Timeout | undefined;
let relay: Relay | undefined;

/** The state of one relay phase; receivers report arrivals into it. */
interface Relay {
  frames: Buffer[];
  sent: number;
  received: number;
  corrupted: number;
  others: Record<string, number>;
  /** Saturation: called with the pair index on each arrival to send the next OFFER. */
  onArrival?: (pair: number) => void;
  lastArrival: number;
  /** Set while draining: re-armed on each arrival, fires after DRAIN_IDLE_MS of silence. */
  idle?: NodeJS.Timeout;
  /** Set while draining: resolves the drain. */
  onDrained?: () => void;
}

// A zero mask makes ws skip XOR-ing each frame; servers accept it, and it keeps the client's CPU low.
const zeroMask = (mask: Buffer) => mask.fill(0);

/** `slot`: where the socket goes in `sockets` (pairs across servers need fixed places); default: appended. */
function connect(port: number, id: string, slot?: number): Promise<PeerSocket> {
  const url = `ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${id}&token=${randomUUID().slice(0, 12)}&version=1.5.5`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      generateMask: zeroMask,
      // The client only counts most frames; checking their UTF-8 would cap its rate, not the server's.
      skipUTF8Validation: true,
      handshakeTimeout: OPEN_TIMEOUT_MS,
    });
    const fail = (why: string) => {
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no OPEN within ${OPEN_TIMEOUT_MS} ms`), OPEN_TIMEOUT_MS);
    ws.once('error', (error) => fail(error.message));
    ws.once('close', (code, reason) => fail(`closed before OPEN: ${code} ${reason}`));
    ws.once('message', (data) => {
      const first = String(data);
      if (!first.includes('"OPEN"')) return fail(`first message was not OPEN: ${first.slice(0, 120)}`);
      clearTimeout(timer);
      ws.removeAllListeners();
      const socket = { id, ws };
      const index = slot ?? sockets.push(socket) - 1;
      sockets[index] = socket;
      ws.on('message', (message: Buffer) => onMessage(index, message));
      ws.on('error', () => {});
      resolve(socket);
    });
  });
}

function onMessage(index: number, data: Buffer): void {
  if (!relay) return;
  if (index % 2 === 1 && data.includes(OFFER_MARK)) {
    const pair = (index - 1) / 2;
    relay.received++;
    relay.lastArrival = performance.now();
    if (relay.received % VERIFY_EVERY === 1 && !isFaithful(data, pair)) relay.corrupted++;
    relay.onArrival?.(pair);
    relay.idle?.refresh();
    if (relay.received >= relay.sent) relay.onDrained?.();
    return;
  }
  const type = typeOf(data);
  relay.others[type] = (relay.others[type] ?? 0) + 1;
}

function typeOf(data: Buffer): string {
  try {
    return String((JSON.parse(String(data)) as { type?: unknown }).type);
  } catch {
    return 'not JSON';
  }
}

/** The server must fill `src` with the sender's id and forward the payload unchanged. */
function isFaithful(data: Buffer, pair: number): boolean {
  const message = JSON.parse(String(data)) as { src?: string; payload?: { sdp?: { sdp?: string } } };
  return message.src === sockets[pair * 2]?.id && message.payload?.sdp?.sdp === SDP;
}

function offerFrame(pair: number): Buffer {
  const dst = sockets[pair * 2 + 1]?.id;
  const payload = {
    sdp: { type: 'offer', sdp: SDP },
    type: 'data',
    connectionId: `dc_${randomUUID().replace(/-/g, '').slice(0, 10)}`,
    label: `dc_${pair}`,
    reliable: true,
    serialization: 'binary',
    browser: 'chrome',
  };
  return Buffer.from(JSON.stringify({ type: 'OFFER', payload, dst }));
}

async function open(command: Extract<LoadCommand, { type: 'open' }>): Promise<OpenedReply> {
  const started = performance.now();
  const errors = new Set<string>();
  let next = 0;
  let failed = 0;
  // Across servers each receiver must sit right after its sender, whatever order the handshakes finish in.
  const base = sockets.length;
  const slotted = command.receiverPort !== undefined;
  const worker = async () => {
    while (next < command.count) {
      const index = next++;
      const id = `${command.prefix}-${index}`;
      const port =
        index % 2 === 1 && command.receiverPort !== undefined ? command.receiverPort : command.port;
      await connect(port, id, slotted ? base + index : undefined).catch((error: Error) => {
        failed++;
        if (errors.size < MAX_ERRORS_KEPT) errors.add(error.message);
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, worker));
  clearInterval(heartbeat);
  // The stock client's heartbeat, spread over the interval so the server sees a steady trickle.
  const perTick = Math.ceil(sockets.length / (command.heartbeatMs / 100));
  let cursor = 0;
  const beat = Buffer.from(JSON.stringify({ type: 'HEARTBEAT' }));
  heartbeat = setInterval(() => {
    for (let n = 0; n < perTick && sockets.length > 0; n++) {
      const socket = sockets[cursor++ % sockets.length];
      if (socket?.ws.readyState === WebSocket.OPEN) socket.ws.send(beat, { binary: false });
    }
  }, 100);
  return {
    type: 'opened',
    opened: sockets.filter(Boolean).length,
    failed,
    errors: [...errors],
    ms: performance.now() - started,
  };
}

function startRelay(): Relay {
  const pairs = Math.floor(sockets.length / 2);
  if (pairs === 0) throw new Error('relay needs at least two open sockets');
  const frames = Array.from({ length: pairs }, (_, pair) => offerFrame(pair));
  relay = { frames, sent: 0, received: 0, corrupted: 0, others: {}, lastArrival: performance.now() };
  return relay;
}

function send(state: Relay, pair: number): void {
  const frame = state.frames[pair];
  const ws = sockets[pair * 2]?.ws;
  if (frame && ws?.readyState === WebSocket.OPEN) {
    ws.send(frame, { binary: false });
    state.sent++;
  } else {
    // The server closed this sender (a limit, a crash): counted, so the operator sees it in the report.
    state.others['(sender closed)'] = (state.others['(sender closed)'] ?? 0) + 1;
  }
}

/** Resolves once every sent OFFER arrived, or nothing arrived for DRAIN_IDLE_MS (the rest counts as lost). */
function drained(state: Relay): Promise<void> {
  if (state.received >= state.sent) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(state.idle);
      state.onDrained = undefined;
      resolve();
    };
    state.idle = setTimeout(done, DRAIN_IDLE_MS);
    state.onDrained = done;
  });
}

function relayed(state: Relay, started: number, ended: number): RelayedReply {
  relay = undefined;
  const { sent, received, corrupted, others } = state;
  const frameBytes = state.frames[0]?.length ?? 0;
  return { type: 'relayed', sent, received, ms: ended - started, frameBytes, corrupted, others };
}

async function atRate(messages: number, rate: number): Promise<RelayedReply> {
  const state = startRelay();
  const pairs = state.frames.length;
  const started = performance.now();
  // A 5 ms pacer keeps bursts small: at 5,000/s that is 25 OFFERs per tick, spread round-robin over the pairs.
  let issued = 0;
  await new Promise<void>((resolve) => {
    const pacer = setInterval(() => {
      const due = Math.min(messages, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; issued < due; issued++) send(state, issued % pairs);
      if (issued >= messages) {
        clearInterval(pacer);
        resolve();
      }
    }, 5);
  });
  await drained(state);
  return relayed(state, started, state.lastArrival);
}

async function saturate(seconds: number, window: number): Promise<RelayedReply> {
  const state = startRelay();
  const started = performance.now();
  let stopped = false;
  // Closed loop: every arrival at a pair's receiver lets that pair's sender send one more.
  state.onArrival = (pair) => {
    if (!stopped) send(state, pair);
  };
  for (let pair = 0; pair < state.frames.length; pair++) {
    for (let n = 0; n < window; n++) send(state, pair);
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  stopped = true;
  await drained(state);
  // Up to the last arrival: the short drain tail is counted with the messages it delivered.
  return relayed(state, started, state.lastArrival);
}

async function close(): Promise<{ type: 'closed'; closed: number }> {
  clearInterval(heartbeat);
  // A failed handshake leaves an empty slot in a slotted open.
  const closing = sockets
    .splice(0)
    .filter(Boolean)
    .map(
      ({ ws }) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close(1000, 'bench done');
          // A server that never answers the close handshake must not hold the benchmark up.
          setTimeout(() => ws.terminate(), 5_000).unref();
        }),
    );
  await Promise.all(closing);
  return { type: 'closed', closed: closing.length };
}

function run(command: LoadCommand): Promise<LoadReply> {
  switch (command.type) {
    case 'open':
      return open(command);
    case 'rate':
      return atRate(command.messages, command.rate);
    case 'saturate':
      return saturate(command.seconds, command.window);
    case 'close':
      return close();
  }
}

process.on('message', (command: LoadCommand) => {
  run(command).then(
    (reply) => process.send?.(reply),
    (error: Error) =>
      process.send?.({ type: 'failed', message: error.stack ?? error.message } satisfies LoadReply),
  );
});
// The parent is gone (crashed or killed): never linger holding thousands of sockets.
process.on('disconnect', () => process.exit(0));
