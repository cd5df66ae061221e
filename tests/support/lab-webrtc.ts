// Connects two pages (in different lab namespaces) with a WebRTC data channel, the harness carrying the
// SDP (complete, after ICE gathering), and reads which candidate pair each side selected (getStats()).
import type { Page } from 'puppeteer';

export interface IceServerLike {
  urls: string;
  username?: string;
  credential?: string;
}

/** One side's selected candidate pair. */
export interface SelectedPair {
  /** 'host' | 'srflx' | 'prflx' | 'relay' */
  localType: string;
  localAddress: string;
  remoteType: string;
  remoteAddress: string;
}

export interface PairResult {
  /** What the answerer echoed back over the data channel. */
  echo: string;
  /** The offer's candidates as 'type address' ('srflx 100.66.0.10'): what ICE gathering found. */
  offerCandidates: string[];
  offerer: SelectedPair;
  answerer: SelectedPair;
}

interface LabWindow {
  labPc: RTCPeerConnection;
  labChannel: Promise<RTCDataChannel>;
  /** Resolves once the connection gathered all its candidates (SDP without trickle). */
  labGathered(pc: RTCPeerConnection): Promise<void>;
}

/** Defined in the page once per connection attempt, for the offerer's and the answerer's script alike. */
function installGathered(page: Page): Promise<void> {
  return page.evaluate(() => {
    (window as unknown as LabWindow).labGathered = (pc) =>
      new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') resolve();
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') resolve();
        });
      });
  });
}

/** `offererPolicy` 'relay' makes the offerer use TURN only (as a viewer whose NAT defeats hole punching). */
export async function connectPair(
  offerer: Page,
  answerer: Page,
  iceServers: IceServerLike[],
  offererPolicy: RTCIceTransportPolicy = 'all',
): Promise<PairResult> {
  await Promise.all([installGathered(offerer), installGathered(answerer)]);
  const offer = await offerer.evaluate(
    async (servers, policy) => {
      const w = window as unknown as LabWindow;
      w.labPc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: policy });
      const channel = w.labPc.createDataChannel('lab');
      w.labChannel = new Promise((resolve) => channel.addEventListener('open', () => resolve(channel)));
      await w.labPc.setLocalDescription();
      await w.labGathered(w.labPc);
      return w.labPc.localDescription?.toJSON() as RTCSessionDescriptionInit;
    },
    iceServers,
    offererPolicy,
  );
  const answer = await answerer.evaluate(
    async (servers, remote) => {
      const w = window as unknown as LabWindow;
      w.labPc = new RTCPeerConnection({ iceServers: servers });
      w.labChannel = new Promise((resolve) =>
        w.labPc.addEventListener('datachannel', ({ channel }) => {
          channel.addEventListener('message', ({ data }) => channel.send(`echo: ${data}`));
          resolve(channel);
        }),
      );
      await w.labPc.setRemoteDescription(remote);
      await w.labPc.setLocalDescription();
      await w.labGathered(w.labPc);
      return w.labPc.localDescription?.toJSON() as RTCSessionDescriptionInit;
    },
    iceServers,
    offer,
  );
  const echo = await offerer.evaluate(async (remote) => {
    const w = window as unknown as LabWindow;
    await w.labPc.setRemoteDescription(remote);
    const channel = await w.labChannel;
    const reply = new Promise<string>((resolve) =>
      channel.addEventListener('message', ({ data }) => resolve(String(data)), { once: true }),
    );
    channel.send('hello');
    return reply;
  }, answer);
  await answerer.evaluate(() => (window as unknown as LabWindow).labChannel);
  // a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> …
  const offerCandidates = [
    ...(offer.sdp ?? '').matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ (\S+)/gm),
  ].map(([, address, type]) => `${type} ${address}`);
  return {
    echo,
    offerCandidates,
    offerer: await selectedPair(offerer),
    answerer: await selectedPair(answerer),
  };
}

/** Closes the page's connection from connectPair(), so the next pair starts clean. */
export function closePair(page: Page): Promise<void> {
  return page.evaluate(() => (window as unknown as LabWindow).labPc?.close());
}

function selectedPair(page: Page): Promise<SelectedPair> {
  return page.evaluate(async () => {
    const stats = await (window as unknown as LabWindow).labPc.getStats();
    const byId = new Map<string, Record<string, unknown>>();
    stats.forEach((entry: Record<string, unknown>) => {
      byId.set(entry.id as string, entry);
    });
    const transport = [...byId.values()].find((entry) => entry.type === 'transport');
    const pair = byId.get(transport?.selectedCandidatePairId as string);
    const local = byId.get(pair?.localCandidateId as string);
    const remote = byId.get(pair?.remoteCandidateId as string);
    return {
      localType: String(local?.candidateType),
      localAddress: String(local?.address),
      remoteType: String(remote?.candidateType),
      remoteAddress: String(remote?.address),
    };
  });
}
