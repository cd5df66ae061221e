// swarmOnlySignaling: who may send connection set-up (OFFER/ANSWER/CANDIDATE) to whom. Swarm-mates may,
// and once they did they stay in contact, so answers and candidates pass even if membership moved on.
import type { PeerSession } from '../peerjs/peer-session';

/** Peers one connection stays in contact with; the oldest is forgotten first. */
const MAX_CONTACTS = 64;

/**
 * `sender` may signal `dst` (connected here as `target`, or not) if they are in contact already (either
 * way), or if they share a swarm now, which puts both in contact. When `dst` is not here but may be on
 * another process (`elsewhere`, cluster mode), its swarms are not looked up: the sender must be in one.
 */
export function maySignal<Socket>(
  sender: PeerSession<Socket>,
  dst: string,
  target: PeerSession<Socket> | undefined,
  elsewhere: boolean,
): boolean {
  if (sender.contacts?.includes(dst)) return true;
  if (!target) {
    if (!elsewhere || sender.swarms === null) return false;
    addContact(sender, dst);
    return true;
  }
  const theirs = target.swarms;
  if (!theirs || !sender.swarms?.some((swarm) => theirs.includes(swarm))) return false;
  addContact(sender, dst);
  addContact(target, sender.id);
  return true;
}

function addContact<Socket>(session: PeerSession<Socket>, peer: string): void {
  const contacts = session.contacts ?? [];
  if (contacts.includes(peer)) return;
  if (contacts.length >= MAX_CONTACTS) contacts.shift();
  contacts.push(peer);
  session.contacts = contacts;
}
