// ABR with dash.js and Shaka Player, DASH: a viewer switches from the lowest to the highest rendition mid-playback
// (through the player's own API) and keeps getting peer bytes in the new rendition's swarm, from a seeder.
import { it } from 'vitest';
import { expectAbrSwitchOverPeers, type switchLevel } from '../support/abr-switch';
import { useSwarmSuite } from '../support/player-swarm';
import type { PageParams } from '../support/stack';

const suite = useSwarmSuite();

it.each<[string, PageParams & { page: keyof typeof switchLevel }]>([
  ['dash.js, DASH SegmentTemplate', { page: 'dash.js' }],
  ['Shaka Player, DASH SegmentTemplate', { page: 'shaka' }],
])('%s: switches to the highest rendition and keeps getting peer bytes in it', async (label, params) => {
  await expectAbrSwitchOverPeers(suite, label, params);
});
