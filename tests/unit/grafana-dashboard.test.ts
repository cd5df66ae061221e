// deploy/grafana/peerlane.json is a Grafana dashboard whose every query asks for what a live signal server
// exports: the JSON has a dashboard's shape, and each metric and label a panel's PromQL names is in the
// /metrics of a server that was fed one QoE report (so the labelled series exist).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalServer } from '../../signal-server/server';
import { startSignalServer } from '../../signal-server/server';
import { fetchMetrics, type Sample } from '../support/prom-text';
import { selectorsOf } from '../support/promql-names';
import { qoeMessage } from '../support/qoe-report';
import { type RedisProcess, startRedis } from './signal-cluster-support';
import { TestClient } from './signal-test-client';

const DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/peerlane.json', import.meta.url));
const PANEL_TYPES = new Set(['row', 'stat', 'timeseries', 'bargauge', 'table', 'gauge', 'text']);
/** PromQL functions and aggregations the dashboard may call. */
const FUNCTIONS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'topk',
  'rate',
  'increase',
  'histogram_quantile',
  'label_values',
]);
/** Label names Prometheus adds when it scrapes (not in /metrics itself). */
const SCRAPE_LABELS = new Set(['instance', 'job']);
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template.
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

interface Panel {
  type: string;
  id: number;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string }[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
  title: string;
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query: string } }[] };
};
const queryPanels = dashboard.panels.filter((panel) => panel.type !== 'row');
const expressions = [
  ...queryPanels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ where: panel.title, expr: target.expr })),
  ),
  ...dashboard.templating.list
    .filter((variable) => variable.type === 'query')
    .map((variable) => ({
      where: `variable ${variable.name}`,
      expr: typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? ''),
    })),
];

describe('deploy/grafana/peerlane.json', () => {
  it('has the shape of a Grafana dashboard', () => {
    expect(dashboard.title).toBe('Peerlane');
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size, 'panel ids are unique').toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(PANEL_TYPES.has(panel.type), `${panel.title}: type ${panel.type}`).toBe(true);
      expect(panel.title.length).toBeGreaterThan(0);
      const { x, y, w, h } = panel.gridPos;
      expect(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, `${panel.title}: gridPos`).toBe(true);
    }
    for (const panel of queryPanels) {
      expect(panel.datasource, `${panel.title}: datasource`).toEqual(DATASOURCE);
      expect(panel.targets?.length, `${panel.title}: queries`).toBeGreaterThan(0);
      const refIds = (panel.targets ?? []).map((target) => target.refId);
      expect(new Set(refIds).size, `${panel.title}: refIds`).toBe(refIds.length);
    }
    expect(dashboard.templating.list.map((variable) => variable.name)).toEqual([
      'datasource',
      'swarm',
      'asn',
      'country',
    ]);
  });

  it('reads PromQL the way the check below relies on', () => {
    expect(
      selectorsOf(
        'sum by (asn, le) (rate(a_total{source="p2p",swarm=~"$swarm"}[$__rate_interval])) / 8 * b{x!="1"} + 1e6',
      ),
    ).toEqual({
      selectors: [
        { metric: 'a_total', labels: ['source', 'swarm'] },
        { metric: 'b', labels: ['x'] },
      ],
      grouping: ['asn', 'le'],
      functions: ['sum', 'rate'],
    });
  });

  describe('against a live server', () => {
    let server: SignalServer;
    let samples: Sample[];
    let redis: RedisProcess | undefined;

    beforeAll(async () => {
      // Cluster mode (a real redis-server) so the Redis series exist too.
      redis = await startRedis();
      server = await startSignalServer(
        { port: 0, host: '127.0.0.1', redis: redis.url },
        { geo: { lookup: () => ({ asn: 64512, country: 'DE' }), ready: Promise.resolve() }, log: () => {} },
      );
      // One of everything a panel counts: a QoE report, a relay, a drop, a refusal.
      const alice = await TestClient.open(server.port, 'alice');
      const bob = await TestClient.open(server.port, 'bob');
      alice.send(qoeMessage());
      await alice.expect('QOE-SESSION');
      alice.send({ type: 'OFFER', dst: 'bob', payload: { connectionId: 'dc_1', sdp: 'v=0' } });
      await bob.expect('OFFER');
      alice.send({ type: 'LEAVE', dst: 'nobody' });
      await alice.expectNothingPending();
      for (const client of [alice, bob]) client.socket.terminate();
      samples = await fetchMetrics(server.port);
    });
    afterAll(async () => {
      await server?.close();
      await redis?.stop();
    });

    it('queries only metrics and labels the server exports', () => {
      const labelsOf = new Map<string, Set<string>>();
      for (const sample of samples) {
        const names = labelsOf.get(sample.name) ?? new Set<string>(SCRAPE_LABELS);
        for (const label of Object.keys(sample.labels)) names.add(label);
        labelsOf.set(sample.name, names);
      }
      const missing: string[] = [];
      for (const { where, expr } of expressions) {
        const { selectors, grouping, functions } = selectorsOf(expr);
        expect(selectors.length, `${where}: ${expr}`).toBeGreaterThan(0);
        for (const name of functions) if (!FUNCTIONS.has(name)) missing.push(`${where}: function ${name}`);
        const known = new Set<string>(SCRAPE_LABELS);
        for (const { metric, labels } of selectors) {
          const exported = labelsOf.get(metric);
          if (!exported) {
            missing.push(`${where}: metric ${metric}`);
            continue;
          }
          for (const label of exported) known.add(label);
          for (const label of labels) if (!exported.has(label)) missing.push(`${where}: ${metric}{${label}}`);
        }
        for (const label of grouping) if (!known.has(label)) missing.push(`${where}: by (${label})`);
      }
      expect(missing).toEqual([]);
      // The QoE panels had data to show: the report's labelled series are there.
      expect(
        samples.some(
          (sample) => sample.name === 'peerlane_qoe_sessions_total' && sample.labels.asn === '64512',
        ),
      ).toBe(true);
    });
  });
});
