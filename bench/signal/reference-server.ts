// The reference PeerJS server (`peer` on npm) as the benchmark runs it: its own defaults, except the
// connection cap (5,000) lifted and no per-connection logging, so both servers face the same load.
import type { AddressInfo } from 'node:net';
import { PeerServer } from 'peer';

const portFlag = process.argv.indexOf('--port');
const port = portFlag === -1 ? 9000 : Number(process.argv[portFlag + 1]);

PeerServer({ port, host: '127.0.0.1', path: '/', key: 'peerjs', concurrent_limit: 1_000_000 }, (server) => {
  console.log(`listening on ${(server.address() as AddressInfo).port}`);
  process.once('SIGTERM', () => process.exit(0));
});
