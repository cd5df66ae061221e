import { describe, expect, it } from 'vitest';
import { JoinedSwarms } from '../../sw/agent/joined-swarms';

describe('JoinedSwarms', () => {
  it('joins once, keeps the four most recently seen and leaves the oldest', () => {
    const calls: string[] = [];
    const swarms = new JoinedSwarms({
      joined: (swarm) => calls.push(`join ${swarm}`),
      left: (swarm) => calls.push(`leave ${swarm}`),
    });
    for (const swarm of ['a', 'b', 'c', 'd', 'a', 'e']) swarms.touch(swarm);
    // 'a' was seen again before 'e' came: 'b' is the least recently seen.
    expect(calls).toEqual(['join a', 'join b', 'join c', 'join d', 'leave b', 'join e']);
    expect([...swarms]).toEqual(['c', 'd', 'a', 'e']);
    expect(swarms.has('b')).toBe(false);
    expect(swarms.has('a')).toBe(true);
  });
});
