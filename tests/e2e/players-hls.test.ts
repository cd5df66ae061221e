// fMP4 HLS through unmodified players (hls.js, video.js's VHS), each in the two-viewer swarm: viewer 2, started
// once viewer 1 has played the stream, gets most of its bytes from viewer 1, seeks, and plays to the end.
import { it } from 'vitest';
import { expectHealthySwarm, useSwarmSuite } from '../support/player-swarm';
import type { PageParams } from '../support/stack';

/** Both viewers pin 360p (index 1), ABR choices would split them into different swarms; 30 s buffer goal. */
const PINNED = { level: 1, buffer: 30 };
const MIN_P2P_SHARE = 0.5;

const suite = useSwarmSuite();

it.each<[string, PageParams]>([
  ['hls.js, fMP4 segments', { page: 'hls.js', format: 'fmp4' }],
  ['hls.js, fMP4 single file (EXT-X-BYTERANGE)', { page: 'hls.js', format: 'byterange' }],
  ['video.js (VHS), fMP4 segments', { page: 'video.js', format: 'hls' }],
])('%s: viewer 2 plays mostly from viewer 1, seeks, and reaches the end', async (label, params) => {
  expectHealthySwarm(label, await suite.run({ ...params, ...PINNED }), MIN_P2P_SHARE);
});
