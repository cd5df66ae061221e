// The two Redis connections a process keeps in cluster mode: commands (scripts, swarms, publish) and a
// subscriber on this process's own channel. Sharded pub/sub (SSUBSCRIBE/SPUBLISH, Redis ≥ 7) when the server
// has it, so Redis Cluster spreads the traffic over shards; classic PUBLISH/SUBSCRIBE otherwise.
import { Redis, type RedisOptions } from 'ioredis';
import { redactUrl } from '../config';
import { SignalServerError } from '../errors';
import { type ScriptedRedis, withClusterScripts } from './redis-scripts';

export type PubSubKind = 'sharded' | 'classic';

export interface RedisLinkEvents {
  /** A message on this process's channel. */
  message(text: string): void;
  /** Both connections answer again after an outage (not at start). */
  up(): void;
  down(reason: string): void;
  /** Every connection error, also while retrying (for the metrics). */
  error(reason: string): void;
}

export interface RedisLink {
  readonly redis: ScriptedRedis;
  readonly pubsub: PubSubKind;
  isUp(): boolean;
  /** Resolves with how many subscribers got it: 0 means nobody listens on that channel (a dead process). */
  publish(channel: string, text: string): Promise<number>;
  close(): Promise<void>;
}

/** A command that Redis does not answer within this fails, so a hung Redis cannot hold connections up. */
const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** Reconnect backoff: 100 ms doubling to 2 s, forever (ioredis keeps trying in the background). */
const retryStrategy = (attempt: number) => Math.min(100 * 2 ** attempt, 2_000);

export async function connectRedis(
  url: string,
  channel: string,
  connectionName: string,
  events: RedisLinkEvents,
): Promise<RedisLink> {
  const common: RedisOptions = {
    lazyConnect: true,
    connectionName,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy,
  };
  // While Redis is down commands fail at once (no offline queue, no retries): signaling goes on locally.
  const commands = new Redis(url, {
    ...common,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableAutoPipelining: true,
  });
  const subscriber = new Redis(url, { ...common, autoResubscribe: true });
  const connections = [commands, subscriber];
  let lastError = '';
  let up = false;
  const onError = (error: Error) => {
    lastError = error.message;
    events.error(error.message);
  };
  for (const connection of connections) connection.on('error', onError);

  try {
    await Promise.all(connections.map((connection) => connection.connect()));
  } catch (error) {
    for (const connection of connections) connection.disconnect();
    const reason = lastError || (error as Error).message;
    throw new SignalServerError('redis-unavailable', { url: redactUrl(url), reason });
  }
  const pubsub = await detectPubSub(commands);
  if (pubsub === 'sharded') {
    subscriber.on('smessage', (_channel: string, text: string) => events.message(text));
    await subscriber.ssubscribe(channel);
  } else {
    subscriber.on('message', (_channel: string, text: string) => events.message(text));
    await subscriber.subscribe(channel);
  }
  up = true;

  const bothReady = () => connections.every((connection) => connection.status === 'ready');
  for (const connection of connections) {
    connection.on('close', () => {
      if (!up) return;
      up = false;
      events.down(lastError || 'connection closed');
    });
    // The subscriber is 'ready' only once it has subscribed again (autoResubscribe).
    connection.on('ready', () => {
      if (up || !bothReady()) return;
      up = true;
      events.up();
    });
  }

  return {
    redis: withClusterScripts(commands),
    pubsub,
    isUp: () => up,
    publish: async (target, text) =>
      Number(await (pubsub === 'sharded' ? commands.spublish(target, text) : commands.publish(target, text))),
    async close() {
      up = false;
      await Promise.allSettled(connections.map((connection) => connection.quit()));
      for (const connection of connections) connection.disconnect();
    },
  };
}

/** SPUBLISH exists from Redis 7.0; managed services may also hide it. COMMAND INFO answers [null] if unknown. */
async function detectPubSub(redis: Redis): Promise<PubSubKind> {
  try {
    const [info] = (await redis.call('COMMAND', 'INFO', 'SPUBLISH')) as unknown[];
    return Array.isArray(info) ? 'sharded' : 'classic';
  } catch {
    return 'classic';
  }
}
