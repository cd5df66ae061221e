// A plain <video src=file.mp4>, no player library: the element's Range requests reach the worker, which answers
// them from 1 MiB pieces shared between viewers. Viewer 2 gets most pieces from viewer 1, seeks, plays to the end.
import { it } from 'vitest';
import { expectHealthySwarm, useSwarmSuite } from '../support/player-swarm';

/**
 * Lower than the segmented players' 0.5: an answer holds up to 4 of the file's 11 pieces, and when viewer 2's peer
 * connection opens late (a busy machine), its first answer and a piece of the next come from the network: CI measured
 * 46 % (http 4.7 MiB); an idle machine 82–100 %.
 */
const MIN_P2P_SHARE = 0.4;
/**
 * Viewer 2 seeks to 30 % of the 60 s file, within the worker's first answer (4 pieces, 4 MiB: see
 * maxProgressiveResponseBytes in sw/worker/config.ts). A seek past it makes the network serve the whole next
 * answer while the viewer waits, 4 of the file's 11 pieces: then the share measured 47–100 %.
 */
const SEEK_TO = 0.3;

const suite = useSwarmSuite();

it.each([
  ['same-origin file', false],
  ['cross-origin file (crossorigin="anonymous")', true],
])(
  'plain <video>, %s: viewer 2 plays mostly from viewer 1, seeks, and reaches the end',
  async (label, cdn) => {
    expectHealthySwarm(`<video>, ${label}`, await suite.run({ page: 'video', cdn }, SEEK_TO), MIN_P2P_SHARE);
  },
);
