// The network lab on a real kernel (root only): two ISPs, a public viewer in each and one behind a home NAT,
// each Chromium in its own namespace. Servers see distinct client addresses, a service worker registers on
// the lab origin, WebRTC connects directly, through STUN (NAT) and through TURN (coturn), the tc caps and the
// transit between ISPs hold, and teardown — also after a crash — leaves nothing behind.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDefaults } from '../../lab/lab-config';
import { labObjects, sweepLeftovers } from '../../lab/lab-state';
import { checkLabSupport } from '../../lab/lab-support';
import { type Lab, startLab } from '../../lab/start-lab';
import { launchChromium } from '../support/browser';
import { type ProbeServer, startProbeServer, type Throughput } from '../support/lab-probe-server';
import { closePair, connectPair } from '../support/lab-webrtc';

const LAB_CLI = fileURLToPath(new URL('../../dist/lab.mjs', import.meta.url));
const UPLINK_KBPS = 2000;
const DOWNLINK_KBPS = 4000;
/** Below both caps: transfers to the services address at the caps show it is not shaped as transit. */
const TRANSIT_KBPS = 1000;
/** ~3.5 s at each cap: long enough that tbf's burst is a couple of percent of it. */
const UPLOAD_BYTES = 900_000;
const DOWNLOAD_BYTES = 1_800_000;
const TRANSIT_BYTES = 450_000;

const support = checkLabSupport();
const skipped = support.ok ? '' : ` (skipped: the lab needs ${support.missing})`;

describe.skipIf(!support.ok)(`network lab${skipped}`, () => {
  let lab: Lab;
  let server: ProbeServer;
  const browsers = new Map<string, Browser>();
  const pages = new Map<string, Page>();
  const page = (name: string) => pages.get(name) as Page;

  beforeAll(async () => {
    // v1 and v3 public in ISP 1, v2 behind NAT in ISP 2 (see address-plan.ts).
    lab = await startLab({
      isps: 2,
      viewers: 3,
      natShare: 0.5,
      uplinkKbps: UPLINK_KBPS,
      downlinkKbps: DOWNLINK_KBPS,
      transitKbps: TRANSIT_KBPS,
    });
    server = await startProbeServer(lab.servicesHost);
    await Promise.all(
      lab.viewers.map(async ({ name }) => {
        const browser = await launchChromium({
          wrap: (chromium) => lab.wrapInNamespace(name, chromium),
          args: [`--unsafely-treat-insecure-origin-as-secure=${server.url}`],
        });
        browsers.set(name, browser);
        const tab = await browser.newPage();
        await tab.goto(`${server.url}/`);
        pages.set(name, tab);
      }),
    );
  });

  afterAll(async () => {
    await Promise.all([...browsers.values()].map((browser) => browser.close()));
    await server?.close();
    lab?.close();
  });

  it('puts viewers in their ISPs, NAT behind the home router, as the servers see them', async () => {
    expect(lab.viewers.map((v) => [v.name, v.isp.name, v.nat !== null])).toEqual([
      ['v1', 'isp1', false],
      ['v2', 'isp2', true],
      ['v3', 'isp1', false],
    ]);
    const seen = await Promise.all(
      lab.viewers.map(({ name }) =>
        page(name).evaluate(async () => (await (await fetch('/echo')).json()) as { address: string }),
      ),
    );
    expect(seen.map(({ address }) => address)).toEqual(lab.viewers.map((viewer) => viewer.address));
    expect(new Set(seen.map(({ address }) => address)).size).toBe(3);
    // The NAT'd viewer's own address is private; the server sees its router's outside address instead.
    expect(lab.viewer('v2').nat?.privateAddress).not.toBe(seen[1]?.address);
  });

  it('registers a service worker on the lab origin in every viewer namespace', async () => {
    for (const name of pages.keys()) {
      const state = await page(name).evaluate(async () => {
        await navigator.serviceWorker.register('/sw.js');
        const { active } = await navigator.serviceWorker.ready;
        if (active?.state === 'activating')
          await new Promise((resolve) => active.addEventListener('statechange', resolve, { once: true }));
        return { secure: isSecureContext, active: active?.state ?? null };
      });
      expect(state, name).toEqual({ secure: true, active: 'activated' });
    }
  });

  it('connects two public viewers directly (host candidates)', async () => {
    const pair = await connectPair(page('v1'), page('v3'), lab.iceServers);
    expect(pair.echo).toBe('echo: hello');
    expect(pair.offerer).toMatchObject({ localType: 'host', remoteType: 'host' });
    expect(pair.offerer.remoteAddress).toBe(lab.viewer('v3').address);
    await Promise.all([closePair(page('v1')), closePair(page('v3'))]);
  });

  it("connects a NAT'd viewer to a public one through its NAT mapping (srflx from coturn's STUN)", async () => {
    const pair = await connectPair(page('v2'), page('v1'), lab.iceServers);
    const router = lab.viewer('v2').address;
    expect(pair.echo).toBe('echo: hello');
    // Gathering behind NAT: its private host address, and coturn's STUN reporting the router's mapping.
    expect(pair.offerCandidates).toContain(`host ${lab.viewer('v2').nat?.privateAddress}`);
    expect(pair.offerCandidates).toContain(`srflx ${router}`);
    // The selected pair runs through that mapping (Chrome reports it as peer-reflexive once checks found it).
    expect(pair.offerer.localAddress).toBe(router);
    expect(['srflx', 'prflx']).toContain(pair.offerer.localType);
    expect(pair.offerer).toMatchObject({ remoteType: 'host', remoteAddress: lab.viewer('v1').address });
    // The public side talks to the home router's outside address: the mapping coturn's STUN reported.
    console.log(`lab: NAT'd ↔ public selected pair ${JSON.stringify(pair)}`);
    await Promise.all([closePair(page('v2')), closePair(page('v1'))]);
  });

  it("connects a NAT'd viewer through coturn's TURN relay when only relay is allowed", async () => {
    const pair = await connectPair(page('v2'), page('v1'), lab.iceServers, 'relay');
    expect(pair.echo).toBe('echo: hello');
    expect(pair.offerer.localType).toBe('relay');
    expect(pair.offerer.localAddress).toBe(lab.iceServers[0]?.urls.split(':')[1]);
    expect(pair.answerer.remoteType).toBe('relay');
    await Promise.all([closePair(page('v2')), closePair(page('v1'))]);
  });

  it('holds the uplink and downlink caps (tbf), NAT or not', async () => {
    for (const name of ['v1', 'v2']) {
      const up = await measure(name, UPLOAD_SCRIPT, `${server.url}/sink`, UPLOAD_BYTES);
      const down = await measure(name, DOWNLOAD_SCRIPT, `${server.url}/source?bytes=${DOWNLOAD_BYTES}`, 0);
      console.log(
        `lab: ${name} uplink ${up.kbps.toFixed(0)} kbit/s (cap ${UPLINK_KBPS}), downlink ${down.kbps.toFixed(0)} kbit/s (cap ${DOWNLINK_KBPS})`,
      );
      expect(up.bytes).toBe(UPLOAD_BYTES);
      expect(up.kbps).toBeLessThanOrEqual(UPLINK_KBPS * 1.1);
      expect(up.kbps).toBeGreaterThan(UPLINK_KBPS * 0.7);
      expect(down.bytes).toBe(DOWNLOAD_BYTES);
      expect(down.kbps).toBeLessThanOrEqual(DOWNLINK_KBPS * 1.1);
      expect(down.kbps).toBeGreaterThan(DOWNLINK_KBPS * 0.7);
    }
  });

  it('shapes traffic between ISPs at the transit capacity, and not traffic inside an ISP', async () => {
    // A source in v1 (ISP 1): v2 (ISP 2, behind NAT) downloads across the transit links, v3 (ISP 1) inside it.
    const source = lab.spawnIn('v1', process.execPath, ['-e', SOURCE_SCRIPT, lab.viewer('v1').address]);
    try {
      const port = await new Promise<string>((resolve, reject) => {
        source.stdout?.once('data', (chunk) => resolve(String(chunk).trim()));
        source.once('exit', (code) => reject(new Error(`source exited (${code})`)));
      });
      const url = `http://${lab.viewer('v1').address}:${port}/?bytes=`;
      const across = await measure('v2', DOWNLOAD_SCRIPT, `${url}${TRANSIT_BYTES}`, 0);
      const inside = await measure('v3', DOWNLOAD_SCRIPT, `${url}${TRANSIT_BYTES * 2}`, 0);
      console.log(
        `lab: across ISPs ${across.kbps.toFixed(0)} kbit/s (transit ${TRANSIT_KBPS}), inside ISP 1 ${inside.kbps.toFixed(0)} kbit/s (v1 uplink ${UPLINK_KBPS})`,
      );
      expect(across.bytes).toBe(TRANSIT_BYTES);
      expect(across.kbps).toBeLessThanOrEqual(TRANSIT_KBPS * 1.1);
      expect(across.kbps).toBeGreaterThan(TRANSIT_KBPS * 0.7);
      expect(inside.kbps).toBeGreaterThan(UPLINK_KBPS * 0.7);
    } finally {
      source.kill();
    }
  });

  it('leaves no namespace, link, process or file behind after teardown', async () => {
    await Promise.all([...browsers.values()].map((browser) => browser.close()));
    browsers.clear();
    const dir = lab.geoip.asn.replace(/\/[^/]+$/, '');
    const ms = lab.close();
    console.log(`lab: set up in ${lab.setupMs.toFixed(0)} ms, torn down in ${ms.toFixed(0)} ms`);
    expect(labObjects(lab.prefix)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(running(lab.coturn.pid)).toBe(false);
  });

  it('removes what a crashed lab left behind at the next start', async () => {
    const child = spawn(process.execPath, [
      LAB_CLI,
      '--isps',
      '2',
      '--viewers',
      '2',
      '--nat-share',
      '0.5',
      '--hold',
    ]);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk) => String(chunk).includes('up;') && resolve());
      child.once('exit', (code) => reject(new Error(`lab CLI exited (${code}) before it was up: ${out}`)));
    });
    const { prefix, coturn } = JSON.parse(out) as { prefix: string; coturn: { pid: number } };
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(labObjects(prefix).length).toBeGreaterThan(0);
    expect(existsSync(`${labDefaults.stateDir}/${prefix}.json`)).toBe(true);

    expect(sweepLeftovers(labDefaults.stateDir)).toContain(prefix);
    expect(labObjects(prefix)).toEqual([]);
    expect(existsSync(`${labDefaults.stateDir}/${prefix}.json`)).toBe(false);
    expect(running(coturn.pid)).toBe(false);
  });

  /** Runs a transfer script with node inside the viewer's namespace; it prints the Throughput as JSON. */
  async function measure(name: string, script: string, url: string, bytes: number): Promise<Throughput> {
    const child = lab.spawnIn(name, process.execPath, ['-e', script, url, String(bytes)]);
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      out += chunk;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`${name}: transfer failed (${code}): ${out}`);
    return JSON.parse(out) as Throughput;
  }
});

/** Alive and not a zombie (a killed process its parent has not reaped yet holds nothing). */
function running(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** POSTs `bytes` as fast as the socket takes them; prints what the sink measured. */
const UPLOAD_SCRIPT = `
const [url, bytes] = process.argv.slice(1);
const request = require('node:http').request(url, { method: 'POST' }, (response) => {
  let body = '';
  response.on('data', (chunk) => { body += chunk; });
  response.on('end', () => console.log(body));
});
const chunk = new Uint8Array(64 * 1024);
let left = Number(bytes);
const pump = () => {
  while (left > 0) {
    const size = Math.min(chunk.byteLength, left);
    left -= size;
    if (!request.write(chunk.subarray(0, size))) return void request.once('drain', pump);
  }
  request.end();
};
pump();`;

/** Serves `?bytes=N` zero bytes as fast as the socket takes them on the given address; prints its port. */
const SOURCE_SCRIPT = `
const server = require('node:http').createServer((request, response) => {
  const total = Number(new URL(request.url, 'http://source').searchParams.get('bytes'));
  response.writeHead(200, { 'content-length': total });
  const chunk = new Uint8Array(64 * 1024);
  let left = total;
  const pump = () => {
    while (left > 0) {
      const size = Math.min(chunk.byteLength, left);
      left -= size;
      if (!response.write(chunk.subarray(0, size))) return void response.once('drain', pump);
    }
    response.end();
  };
  pump();
});
server.listen(0, process.argv[1], () => console.log(server.address().port));`;

/** Downloads the URL; prints the rate from first to last byte, as the sink measures. */
const DOWNLOAD_SCRIPT = `
(async () => {
  const reader = (await fetch(process.argv[1])).body.getReader();
  let bytes = 0, first = 0, last = 0;
  for (let chunk; !(chunk = await reader.read()).done; bytes += chunk.value.byteLength) {
    last = performance.now();
    if (bytes === 0) first = last;
  }
  console.log(JSON.stringify({ bytes, kbps: (bytes * 8) / (last - first) }));
})();`;
