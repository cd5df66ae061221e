// The segment-trust rules without sockets: votes reach a quorum of distinct connections (and addresses),
// the first accepted hash is final, queries are answered at once and later exactly once, PEER-REPORT hides liars.
import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../signal-server/cli-args';
import { resolveConfig, type SignalServerConfig } from '../../signal-server/config';
import { type FakeSocket, setupSignaling } from './signal-signaling-harness';

const SWARM = 'movie/720p';
const GOOD = 'a'.repeat(64);
const BAD = 'b'.repeat(64);

function setup(overrides: Partial<SignalServerConfig> = {}) {
  const harness = setupSignaling(overrides);
  let n = 0;
  /** A connected member of SWARM (own address unless given), its SWARM-PEERS read. */
  const member = (ip = `10.0.0.${++n}`, swarm = SWARM): FakeSocket => {
    const socket = harness.connect(`viewer${++n}`, { ip });
    harness.send(socket, { type: 'SWARM-JOIN', payload: { swarm } });
    harness.received(socket);
    return socket;
  };
  const vote = (socket: FakeSocket, segment: string, sha256 = GOOD, size = 1_000) =>
    harness.send(socket, { type: 'SEGMENT-HASH', payload: { swarm: SWARM, segment, size, sha256 } });
  const query = (socket: FakeSocket, segments: string[]) =>
    harness.send(socket, { type: 'SEGMENT-HASH-QUERY', payload: { swarm: SWARM, segments } });
  const report = (socket: FakeSocket, peer: string) =>
    harness.send(socket, { type: 'PEER-REPORT', payload: { swarm: SWARM, peer, reason: 'bad bytes' } });
  /** What the server sent, without the SWARM-JOINED news other members cause. */
  const answers = (socket: FakeSocket) =>
    harness.received(socket).filter((message) => message.type !== 'SWARM-JOINED');
  const hashes = (swarm: string, entries: [string, string][]) => ({
    type: 'SEGMENT-HASHES',
    payload: {
      swarm,
      hashes: entries.map(([segment, sha256]) => ({ segment, size: 1_000, sha256, source: 'swarm' })),
    },
  });
  return { ...harness, member, vote, query, report, answers, hashes };
}

describe('segment hash votes', () => {
  it('accepts a hash once hashQuorum distinct connections from distinct addresses agree, not before', () => {
    const { member, vote, query, answers, hashes, events } = setup({ hashQuorum: 3 });
    const [a, b, c, asker] = [member(), member(), member(), member()];
    vote(a, 's1');
    vote(b, 's1');
    query(asker, ['s1']);
    expect(answers(asker)).toEqual([hashes(SWARM, [])]);
    vote(c, 's1');
    expect(events.filter((event) => event.startsWith('voted'))).toEqual([
      'voted counted',
      'voted counted',
      'voted accepted',
    ]);
    // The earlier query waited for s1: it hears of the acceptance, and a new query gets it at once.
    expect(answers(asker)).toEqual([hashes(SWARM, [['s1', GOOD]])]);
    query(asker, ['s1']);
    expect(answers(asker)).toEqual([hashes(SWARM, [['s1', GOOD]])]);
  });

  it('counts one vote per connection per segment', () => {
    const { member, vote, query, answers, hashes, events } = setup({ hashQuorum: 2 });
    const [a, asker] = [member(), member()];
    vote(a, 's1');
    vote(a, 's1');
    expect(events).toContain('voted duplicate');
    query(asker, ['s1']);
    expect(answers(asker)).toEqual([hashes(SWARM, [])]);
  });

  it('counts connections from one address once while hashQuorumDistinctIps is on, each when off', () => {
    const shared = setup({ hashQuorum: 2 });
    const [a, b, asker] = [shared.member('10.9.9.9'), shared.member('10.9.9.9'), shared.member()];
    shared.vote(a, 's1');
    shared.vote(b, 's1');
    shared.query(asker, ['s1']);
    expect(shared.answers(asker)).toEqual([shared.hashes(SWARM, [])]);

    const loopback = setup({ hashQuorum: 2, hashQuorumDistinctIps: false });
    const [c, d, other] = [loopback.member('127.0.0.1'), loopback.member('127.0.0.1'), loopback.member()];
    loopback.vote(c, 's1');
    loopback.vote(d, 's1');
    loopback.query(other, ['s1']);
    expect(loopback.answers(other)).toEqual([loopback.hashes(SWARM, [['s1', GOOD]])]);
  });

  it('needs size and hash to agree; the first hash to reach quorum is final, later ones are conflicts', () => {
    const { member, vote, query, answers, hashes, events } = setup({ hashQuorum: 2 });
    const [a, b, c, d, e, asker] = [member(), member(), member(), member(), member(), member()];
    vote(a, 's1', BAD);
    vote(b, 's1', GOOD);
    vote(c, 's1', GOOD, 999);
    vote(d, 's1', GOOD);
    expect(events.filter((event) => event.startsWith('voted')).at(-1)).toBe('voted accepted');
    vote(a, 's1', BAD);
    vote(e, 's1', BAD);
    vote(c, 's1', GOOD);
    expect(events.filter((event) => event.startsWith('voted')).slice(-3)).toEqual([
      'voted conflict',
      'voted conflict',
      'voted agreed',
    ]);
    query(asker, ['s1']);
    expect(answers(asker)).toEqual([hashes(SWARM, [['s1', GOOD]])]);
  });

  it('ignores (and counts) votes, queries and reports from connections outside the swarm', () => {
    const { connect, member, send, vote, query, answers, hashes, events } = setup({ hashQuorum: 1 });
    const outsider = connect('outsider', { ip: '10.1.1.1' });
    const elsewhere = member('10.2.2.2', 'other-swarm');
    for (const socket of [outsider, elsewhere]) {
      vote(socket, 's1');
      query(socket, ['s1']);
      send(socket, { type: 'PEER-REPORT', payload: { swarm: SWARM, peer: 'viewer1', reason: '' } });
      expect(answers(socket).filter((message) => message.type !== 'OPEN')).toEqual([]);
    }
    expect(events.filter((event) => event.startsWith('ignored'))).toEqual([
      ...[
        'SEGMENT-HASH',
        'SEGMENT-HASH-QUERY',
        'PEER-REPORT',
        'SEGMENT-HASH',
        'SEGMENT-HASH-QUERY',
        'PEER-REPORT',
      ].map((type) => `ignored ${type} not-member`),
    ]);
    const asker = member();
    query(asker, ['s1']);
    expect(answers(asker)).toEqual([hashes(SWARM, [])]);
  });
});

describe('segment hash queries', () => {
  it('answers accepted hashes at once and each waiting segment exactly once when it is accepted', () => {
    const { member, vote, query, answers, hashes } = setup({ hashQuorum: 2 });
    const [a, b, asker, bystander] = [member(), member(), member(), member()];
    vote(a, 's1');
    vote(b, 's1');
    query(asker, ['s1', 's2', 's3']);
    expect(answers(asker)).toEqual([hashes(SWARM, [['s1', GOOD]])]);
    vote(a, 's2');
    expect(answers(asker)).toEqual([]);
    vote(b, 's2');
    expect(answers(asker)).toEqual([hashes(SWARM, [['s2', GOOD]])]);
    // Later votes for s2 (agreeing or not) send nothing more; nobody who did not ask hears anything.
    const c = member();
    vote(c, 's2');
    vote(member(), 's2', BAD);
    expect(answers(asker)).toEqual([]);
    expect(answers(bystander)).toEqual([]);
    expect(answers(a)).toEqual([]);
  });

  it('asks again without duplicating a wait, and forgets waits after hashWaitMs or when the connection closes', () => {
    const { signaling, member, vote, query, answers, hashes, advance } = setup({
      hashQuorum: 1,
      hashWaitMs: 10_000,
    });
    const [voter, asker, leaver] = [member(), member(), member()];
    query(asker, ['s1']);
    query(asker, ['s1']);
    query(leaver, ['s1', 's2']);
    expect(signaling.hashes.waiting).toBe(3);
    answers(asker);
    answers(leaver);
    signaling.closed(leaver.session);
    expect(signaling.hashes.waiting).toBe(1);
    vote(voter, 's1');
    expect(answers(asker)).toEqual([hashes(SWARM, [['s1', GOOD]])]);
    query(asker, ['s2']);
    answers(asker);
    advance(10_001);
    expect(signaling.hashes.waiting).toBe(0);
    vote(voter, 's2');
    expect(answers(asker)).toEqual([]);
  });

  it('bounds the waits of one connection (hashWaitsPerPeer) and of the process (hashWaitsTotal)', () => {
    const { signaling, member, vote, query, answers, hashes } = setup({
      hashQuorum: 1,
      hashWaitsPerPeer: 3,
      hashWaitsTotal: 5,
    });
    const [voter, first, second] = [member(), member(), member()];
    query(first, ['s1', 's2', 's3', 's4']);
    expect(signaling.hashes.waiting).toBe(3);
    query(second, ['s1', 's2', 's3', 's4']);
    expect(signaling.hashes.waiting).toBe(5);
    answers(first);
    answers(second);
    vote(voter, 's4');
    expect(answers(first)).toEqual([]);
    // Over the bound a segment is not waited on, but an accepted one is still answered by a new query.
    query(first, ['s4']);
    expect(answers(first)).toEqual([hashes(SWARM, [['s4', GOOD]])]);
  });
});

describe('segment hash bounds', () => {
  it('forgets the least recently used segment beyond hashSegmentsPerSwarm and ignores votes beyond hashVotesPerSegment', () => {
    const { member, vote, query, answers, hashes, events } = setup({
      hashQuorum: 1,
      hashSegmentsPerSwarm: 2,
    });
    const [voter, asker] = [member(), member()];
    vote(voter, 's1');
    vote(voter, 's2');
    query(asker, ['s1']);
    answers(asker);
    vote(voter, 's3');
    query(asker, ['s1', 's2', 's3']);
    expect(answers(asker)).toEqual([
      hashes(SWARM, [
        ['s1', GOOD],
        ['s3', GOOD],
      ]),
    ]);

    const crowded = setup({ hashQuorum: 3, hashVotesPerSegment: 2 });
    const voters = [crowded.member(), crowded.member(), crowded.member()];
    crowded.vote(voters[0] as FakeSocket, 's1', BAD);
    crowded.vote(voters[1] as FakeSocket, 's1', GOOD);
    crowded.vote(voters[2] as FakeSocket, 's1', GOOD);
    expect(crowded.events.filter((event) => event.startsWith('voted')).at(-1)).toBe('voted full');
    expect(events).not.toContain('voted full');
  });

  it('forgets entries after hashTtlMs without use, and a swarm once its last member left', () => {
    const { signaling, member, send, vote, query, answers, hashes, advance } = setup({
      hashQuorum: 1,
      hashTtlMs: 60_000,
      idleTimeoutMs: 600_000,
    });
    const [voter, asker] = [member(), member()];
    vote(voter, 'old');
    advance(30_000);
    vote(voter, 'fresh');
    advance(30_001);
    query(asker, ['old', 'fresh']);
    expect(answers(asker)).toEqual([hashes(SWARM, [['fresh', GOOD]])]);
    for (const socket of [voter, asker]) send(socket, { type: 'SWARM-LEAVE', payload: { swarm: SWARM } });
    advance(1);
    const newcomer = member();
    query(newcomer, ['fresh']);
    expect(answers(newcomer)).toEqual([hashes(SWARM, [])]);
    expect(signaling.stats().swarms).toBe(1);
  });
});

describe('peer reports', () => {
  it('stops listing a peer in its swarm once peerReportThreshold distinct reporters reported it', () => {
    const { member, report, received, events, logs, send } = setup({ peerReportThreshold: 2 });
    const liar = member();
    const liarId = liar.session.id;
    const [a, b] = [member(), member()];
    report(a, liarId);
    report(a, liarId);
    expect(events.filter((event) => event.startsWith('peer-report'))).toEqual([
      'peer-report counted',
      'peer-report duplicate',
    ]);
    const before = member();
    send(before, { type: 'SWARM-JOIN', payload: { swarm: SWARM } });
    expect(received(before)[0].payload.peers).toContain(liarId);
    report(b, liarId);
    expect(events).toContain('peer-report excluded');
    expect(logs).toEqual([expect.stringContaining(`peer ${liarId} excluded from swarm "${SWARM}"`)]);
    const after = member();
    send(after, { type: 'SWARM-JOIN', payload: { swarm: SWARM } });
    const peers = received(after)[0].payload.peers as string[];
    expect(peers.sort()).toEqual([a, b, before].map((socket) => socket.session.id).sort());
    expect(peers).not.toContain(liarId);
    // Rejoining (or joining another swarm) does not announce it to the members either.
    send(liar, { type: 'SWARM-LEAVE', payload: { swarm: SWARM } });
    received(a);
    send(liar, { type: 'SWARM-JOIN', payload: { swarm: SWARM } });
    expect(received(a)).toEqual([]);
  });

  it('counts reporters once per address with hashQuorumDistinctIps, never oneself, and does nothing at threshold 0', () => {
    const { member, report, events } = setup({ peerReportThreshold: 2 });
    const target = member();
    const [a, b] = [member('10.7.7.7'), member('10.7.7.7')];
    report(a, target.session.id);
    report(b, target.session.id);
    report(target, target.session.id);
    expect(events.filter((event) => /peer-report|ignored/.test(event))).toEqual([
      'peer-report counted',
      'peer-report duplicate',
      'ignored PEER-REPORT self-report',
    ]);
    const off = setup({ peerReportThreshold: 0 });
    const [x, y] = [off.member(), off.member()];
    off.report(x, y.session.id);
    expect(off.events).toContain('peer-report off');
  });

  it('ignores votes from a peer reported out of the swarm', () => {
    const { member, report, vote, query, answers, hashes, events } = setup({
      peerReportThreshold: 1,
      hashQuorum: 1,
    });
    const [liar, honest, asker] = [member(), member(), member()];
    report(honest, liar.session.id);
    vote(liar, 's1', BAD);
    expect(events).toContain('ignored SEGMENT-HASH excluded');
    query(asker, ['s1']);
    expect(answers(asker)).toEqual([hashes(SWARM, [])]);
  });
});

describe('segment trust settings', () => {
  it('maps flags and env onto the config, allows peerReportThreshold 0 and refuses a quorum below 1', () => {
    const request = parseCliArgs(['--hash-quorum', '3', '--hash-quorum-distinct-ips=false'], {
      PEERLANE_PEER_REPORT_THRESHOLD: '0',
    });
    expect(request).toEqual({
      kind: 'run',
      overrides: { hashQuorum: 3, hashQuorumDistinctIps: false, peerReportThreshold: 0 },
    });
    if (request.kind === 'run') expect(resolveConfig(request.overrides)).toMatchObject(request.overrides);
    expect(resolveConfig()).toMatchObject({
      hashQuorum: 2,
      hashQuorumDistinctIps: true,
      peerReportThreshold: 3,
    });
    expect(() => resolveConfig({ hashQuorum: 0 })).toThrow(/Invalid hashQuorum '0'/);
  });
});
