// Client message validation (PeerJS and swarm messages) and the src splice used on the relay hot path.
import { describe, expect, it } from 'vitest';
import { parseClientMessage, withSrc } from '../../protocol/signaling/peerjs-messages';
import { isSwarmServerMessage } from '../../protocol/signaling/swarm-messages';

describe('client messages', () => {
  it('splices src first so the relayed JSON parses to the original plus src', () => {
    const original = {
      type: 'ANSWER',
      payload: { sdp: { sdp: 'a=x\r\n"quoted"' }, src: 'nested' },
      dst: 'bob',
    };
    for (const text of [JSON.stringify(original), `\t ${JSON.stringify(original, null, 2)}`]) {
      expect(parseClientMessage(text)).toMatchObject({ ok: true, message: { type: 'ANSWER', dst: 'bob' } });
      expect(JSON.parse(withSrc(text, 'alice'))).toEqual({ src: 'alice', ...original });
    }
  });

  it('validates swarm messages through the same entry point', () => {
    expect(parseClientMessage('{"type":"SWARM-JOIN","payload":{"swarm":"live/720p"}}')).toEqual({
      ok: true,
      message: { type: 'SWARM-JOIN', payload: { swarm: 'live/720p' } },
    });
    const result = parseClientMessage('{"type":"SWARM-LEAVE","payload":{"swarm":""}}');
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid-swarm' } });
  });

  it('narrows swarm server messages for the page agent', () => {
    expect(isSwarmServerMessage({ type: 'SWARM-PEERS', payload: { swarm: 's', peers: ['a'] } })).toBe(true);
    expect(isSwarmServerMessage({ type: 'SWARM-JOINED', payload: { swarm: 's', peer: 'a' } })).toBe(true);
    expect(isSwarmServerMessage({ type: 'SWARM-PEERS', payload: { swarm: 's', peers: [1] } })).toBe(false);
    expect(isSwarmServerMessage({ type: 'OFFER', payload: { swarm: 's' } })).toBe(false);
    expect(isSwarmServerMessage(null)).toBe(false);
  });
});
