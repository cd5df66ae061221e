// The peerlane-signal command: flags/env → config, start, print `listening on <port>`; on SIGTERM drain
// (peers told to RECONNECT elsewhere), on SIGINT close peers with 1001; exit 0 within shutdownTimeoutMs.
import { parseCliArgs } from './cli-args';
import { SignalServerError } from './errors';
import { startSignalServer } from './server';

async function main(): Promise<void> {
  const request = parseCliArgs(process.argv.slice(2), process.env);
  if (request.kind === 'help') {
    process.stdout.write(request.text);
    return;
  }
  const server = await startSignalServer(request.overrides);
  const { config } = server;
  process.stdout.write(`listening on ${server.port}\n`);
  process.stderr.write(
    `peerlane-signal: engine ${server.engine}, PeerJS path ${config.path} (key '${config.key}'), ` +
      `/healthz and /metrics on port ${server.port}\n`,
  );

  const cluster = server.cluster
    ? `, cluster node ${server.cluster.node} (${server.cluster.pubsub} pub/sub)`
    : '';
  process.stderr.write(
    `peerlane-signal: ${server.cluster ? 'cluster mode on Redis' : 'single process'}${cluster}\n`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`peerlane-signal: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    // SIGTERM (Kubernetes, systemd): drain, peers move to the other processes. SIGINT (Ctrl-C): close now.
    const draining = signal === 'SIGTERM';
    process.stderr.write(
      draining
        ? `peerlane-signal: SIGTERM, draining: peers reconnect elsewhere within ${config.drainSpreadMs} ms\n`
        : `peerlane-signal: ${signal}, closing peers (going away)\n`,
    );
    // The bound holds even if closing stalls: the server gives peers shutdownTimeoutMs, this a little more.
    setTimeout(() => process.exit(0), config.shutdownTimeoutMs + 1_000).unref();
    (draining ? server.drain() : server.close()).then(
      () => process.exit(0),
      (error: unknown) => fail(error),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function fail(error: unknown): never {
  if (error instanceof SignalServerError) {
    process.stderr.write(`peerlane-signal: ${error.message} [${error.code}]\n`);
    process.exit(error.code === 'invalid-config' || error.code === 'unknown-flag' ? 2 : 1);
  }
  process.stderr.write(`peerlane-signal: unexpected failure: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}

main().catch(fail);
