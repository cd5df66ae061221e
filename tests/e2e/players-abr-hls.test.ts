// ABR with hls.js and video.js (VHS), fMP4 HLS: a viewer switches from the lowest to the highest rendition
// mid-playback (through the player's own API) and keeps getting peer bytes in the new rendition's swarm.
import { it } from 'vitest';
import { expectAbrSwitchOverPeers, type switchLevel } from '../support/abr-switch';
import { useSwarmSuite } from '../support/player-swarm';
import type { PageParams } from '../support/stack';

const suite = useSwarmSuite();

it.each<[string, PageParams & { page: keyof typeof switchLevel }]>([
  ['hls.js, fMP4 HLS', { page: 'hls.js', format: 'fmp4' }],
  ['video.js (VHS), fMP4 HLS', { page: 'video.js', format: 'hls' }],
])('%s: switches to the highest rendition and keeps getting peer bytes in it', async (label, params) => {
  await expectAbrSwitchOverPeers(suite, label, params);
});
