// QoE session tokens, `<id>.<mac>`: the mac is an HMAC of the id under the server's secret, so a report proves
// it belongs to a session this server (or any process sharing --qoe-secret) issued, with no state to look up —
// which is what lets a beacon, sent after the page's socket is gone and maybe to another process, be trusted.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 128 bits of id, 128 bits of mac: 22 base64url characters each (the protocol's token rule). */
const ID_BYTES = 16;
const MAC_CHARS = 22;
const encoder = new TextEncoder();

export class SessionTokens {
  private readonly secret: string;

  /** `secret` '' = a random one: tokens are then valid on this process only. */
  constructor(secret: string) {
    this.secret = secret || randomBytes(32).toString('hex');
  }

  issue(): { id: string; token: string } {
    const id = randomBytes(ID_BYTES).toString('base64url');
    return { id, token: `${id}.${this.mac(id)}` };
  }

  /** The session id of a token (already checked to be well-formed), or null when its mac is not ours. */
  verify(token: string): string | null {
    const [id = '', mac = ''] = token.split('.');
    const expected = encoder.encode(this.mac(id));
    const given = encoder.encode(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
  }

  private mac(id: string): string {
    return createHmac('sha256', this.secret).update(`qoe|${id}`).digest('base64url').slice(0, MAC_CHARS);
  }
}
