// The peer id rule, shared by the handshake, relays, cluster messages and PEER-REPORT: the peerjs client's
// own (util.validateId) plus a length bound.

const PEER_ID = /^[A-Za-z0-9]+(?:[ _-][A-Za-z0-9]+)*$/;
export const MAX_PEER_ID_LENGTH = 64;

export function isValidPeerId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= MAX_PEER_ID_LENGTH && PEER_ID.test(id);
}
