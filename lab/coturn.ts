// The lab's STUN/TURN server: a real coturn in the core namespace, on the core's services address only, with
// one static long-term user, a fixed relay port range, no TLS, no CLI, logging to the lab's folder. It is up
// when it answers a STUN Binding request from the root namespace.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_ADDRESS, LAB_BLOCK } from './address-plan';
import { LabError } from './lab-error';
import type { LabRecord } from './lab-state';

/** An RTCIceServer, as pages pass it to `Peerlane.start({ iceServers })`. */
export interface IceServer {
  urls: string;
  username?: string;
  credential?: string;
}

export const TURN_PORT = 3478;
export const TURN_USER = 'peerlane';
export const TURN_PASSWORD = 'lab';
const REALM = 'peerlane.lab';
const RELAY_PORTS = { min: 49152, max: 49999 };
const START_TIMEOUT_MS = 10_000;

export interface RunningCoturn {
  pid: number;
  logFile: string;
  /** STUN and TURN (UDP) on the core's address. */
  iceServers: IceServer[];
}

export async function startCoturn(namespace: string, dir: string, record: LabRecord): Promise<RunningCoturn> {
  const logFile = join(dir, 'turnserver.log');
  const config = join(dir, 'turnserver.conf');
  const [labBase, labBits] = LAB_BLOCK.split('/');
  writeFileSync(
    config,
    [
      `listening-ip=${CORE_ADDRESS}`,
      `relay-ip=${CORE_ADDRESS}`,
      `listening-port=${TURN_PORT}`,
      `min-port=${RELAY_PORTS.min}`,
      `max-port=${RELAY_PORTS.max}`,
      'lt-cred-mech',
      `user=${TURN_USER}:${TURN_PASSWORD}`,
      `realm=${REALM}`,
      'fingerprint',
      'no-tls',
      'no-dtls',
      'no-cli',
      'no-rfc5780',
      // Relay only to lab viewers: everything else is denied, the lab block allowed (allowed wins over denied).
      'denied-peer-ip=0.0.0.0-255.255.255.255',
      `allowed-peer-ip=${labBase}-${lastAddress(labBase ?? '', Number(labBits))}`,
      `log-file=${logFile}`,
      'simple-log',
      'no-stdout-log',
      `pidfile=${join(dir, 'turnserver.pid')}`,
      // Its user database in our folder, not /var/lib/turn (the static user needs none, but it opens one).
      `userdb=${join(dir, 'turndb')}`,
      '',
    ].join('\n'),
  );
  // `ip netns exec` execs turnserver: the child's pid is coturn's.
  const child = spawn('ip', ['netns', 'exec', namespace, 'turnserver', '-c', config], { stdio: 'ignore' });
  if (child.pid === undefined)
    throw new LabError('coturn-failed', 'could not spawn `ip netns exec … turnserver`');
  record.addPid(child.pid);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `it exited (code ${code}, signal ${signal})`;
  });
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await stunAnswers(CORE_ADDRESS, TURN_PORT, 200))) {
    if (exited || Date.now() > deadline) {
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-8).join('\n') : '';
      throw new LabError(
        'coturn-failed',
        `${exited ?? `no STUN answer within ${START_TIMEOUT_MS} ms`}\n${log}`,
      );
    }
  }
  return {
    pid: child.pid,
    logFile,
    iceServers: [
      { urls: `stun:${CORE_ADDRESS}:${TURN_PORT}` },
      {
        urls: `turn:${CORE_ADDRESS}:${TURN_PORT}?transport=udp`,
        username: TURN_USER,
        credential: TURN_PASSWORD,
      },
    ],
  };
}

/** Sends one STUN Binding request (RFC 5389) and resolves whether a Binding success came back in time. */
function stunAnswers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const request = new Uint8Array(20);
  const header = new DataView(request.buffer);
  header.setUint16(0, 0x0001); // Binding request, no attributes
  header.setUint32(4, 0x2112a442); // magic cookie
  const transaction = new Uint8Array(randomBytes(12));
  request.set(transaction, 8);
  const socket = createSocket('udp4');
  return new Promise((resolve) => {
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('message', (message) => {
      const id = new Uint8Array(message).subarray(8, 20);
      if (message.readUInt16BE(0) === 0x0101 && id.every((byte, i) => byte === transaction[i])) done(true);
    });
    socket.on('error', () => done(false));
    socket.send(request, port, host);
  });
}

function lastAddress(base: string, bits: number): string {
  const number = base.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0) + 2 ** (32 - bits) - 1;
  return [24, 16, 8, 0].map((shift) => Math.floor(number / 2 ** shift) % 256).join('.');
}
