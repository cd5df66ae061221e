// Orders the candidates a joiner is offered. Today a uniform shuffle; this is the seam where ranking by
// ISP, region or device goes (the registry then samples more candidates than it returns).

export interface RankContext {
  swarm: string;
  joiner: string;
}

export type RankPeers = (candidates: string[], context: RankContext, limit: number) => string[];

export const rankPeers: RankPeers = (candidates, _context, limit) => {
  const ranked = candidates.slice();
  for (let i = ranked.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [ranked[i], ranked[j]] = [ranked[j] as string, ranked[i] as string];
  }
  return ranked.slice(0, limit);
};
