// A plain <video src=file.mp4>, no player library: the element's Range requests reach the worker, which answers
// them from 1 MiB pieces shared between viewers. Viewer 2 gets most pieces from viewer 1, seeks, plays to the end.
import { it } from 'vitest';
import { expectHealthySwarm, useSwarmSuite } from '../support/player-swarm';

const MIN_P2P_SHARE = 0.5;
/**
 * Viewer 2 seeks to 30 % of the 60 s file, within the worker's first answer (4 pieces, 4 MiB: see
 * maxProgressiveResponseBytes in sw/worker/config.ts), once it has buffered that far. A seek past the buffer makes
 * the network serve the whole next answer while the viewer waits, 4 of the file's 11 pieces: a busy machine that
 * buffered less before the seek measured 11.6 and 46 % (CI).
 */
const SEEK_TO = 0.3;

const suite = useSwarmSuite();

it.each([
  ['same-origin file', false],
  ['cross-origin file (crossorigin="anonymous")', true],
])(
  'plain <video>, %s: viewer 2 plays mostly from viewer 1, seeks, and reaches the end',
  async (label, cdn) => {
    expectHealthySwarm(
      `<video>, ${label}`,
      await suite.run({ page: 'video', cdn }, SEEK_TO, true),
      MIN_P2P_SHARE,
    );
  },
);
