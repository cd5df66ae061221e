// The Kubernetes manifests and Dockerfile in deploy/: every object valid against the Kubernetes schemas
// (kubernetes-models), and the properties that keep viewers connected through deploys and scaling: probes on
// /healthz at the container port, a grace period that covers preStop plus the drain, non-root, resources,
// selectors that match, an HPA metric the server really exports, and settings the server accepts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { envName, parseCliArgs } from '../../signal-server/cli-args';
import { configFields, resolveConfig } from '../../signal-server/config';
import { createSignalMetrics } from '../../signal-server/metrics';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));
const MANIFESTS = join(DEPLOY, 'kubernetes');

/** The schema class for each kind the manifests use; an unexpected kind fails the test. */
const MODELS = {
  'apps/v1 Deployment': Deployment,
  'v1 Service': Service,
  'v1 ConfigMap': ConfigMap,
  'v1 Secret': Secret,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
} as const;

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML until validated.
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: any };

function loadManifests(): Map<string, { file: string; manifest: Manifest }> {
  const byKind = new Map<string, { file: string; manifest: Manifest }>();
  for (const file of readdirSync(MANIFESTS).filter((name) => name.endsWith('.yaml'))) {
    if (file === 'kustomization.yaml') continue;
    for (const document of parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8'))) {
      expect(document.errors, file).toEqual([]);
      const manifest = document.toJS() as Manifest;
      byKind.set(manifest.kind, { file, manifest });
    }
  }
  return byKind;
}

const manifests = loadManifests();
const get = (kind: string): Manifest => {
  const found = manifests.get(kind)?.manifest;
  if (!found) throw new Error(`no ${kind} in deploy/kubernetes`);
  return found;
};
const deployment = get('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const settings: Record<string, string> = get('ConfigMap').data;
const config = resolveConfig((parseCliArgs([], settings) as { overrides: object }).overrides);

describe('deploy/kubernetes', () => {
  it('validates every object against the Kubernetes schemas, and the schemas catch a broken one', () => {
    for (const [kind, { file, manifest }] of manifests) {
      const Model = MODELS[`${manifest.apiVersion} ${kind}` as keyof typeof MODELS];
      expect(Model, `${file}: ${manifest.apiVersion} ${kind}`).toBeDefined();
      expect(() => new Model(manifest as never).validate(), file).not.toThrow();
    }
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'nine thousand';
    expect(() => new Deployment(broken as never).validate()).toThrow(/containerPort/);
  });

  it('lists every manifest but the example secret in kustomization.yaml', () => {
    const kustomization = parseYaml(readFileSync(join(MANIFESTS, 'kustomization.yaml'), 'utf8'));
    const files = [...new Set([...manifests.values()].map(({ file }) => file))];
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((file) => !file.includes('.example.')).sort(),
    );
  });

  it('configures the server only with settings it knows, and values it accepts', () => {
    const known = new Set(configFields.map(envName));
    for (const name of Object.keys(settings)) expect(known, name).toContain(name);
    expect(config.port).toBe(9000);
    const redisUrl = container.env.find((variable: { name: string }) => variable.name === 'REDIS_URL');
    expect(redisUrl.valueFrom.secretKeyRef).toEqual({ name: get('Secret').metadata.name, key: 'url' });
    // Every pod signs QoE session tokens with the same key, from the same Secret (optional).
    const qoeSecret = container.env.find(
      (variable: { name: string }) => variable.name === envName('qoeSecret'),
    );
    expect(qoeSecret.valueFrom.secretKeyRef).toEqual({
      name: get('Secret').metadata.name,
      key: 'qoe-secret',
      optional: true,
    });
    expect(get('Secret').stringData['qoe-secret'].length).toBeGreaterThanOrEqual(32);
  });

  it('probes /healthz on the container port: readiness leaves at once, liveness outlasts a drain', () => {
    const port = container.ports.find((entry: { name: string }) => entry.name === 'signal');
    expect(port.containerPort).toBe(config.port);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.path).toBe('/healthz');
      expect([port.name, port.containerPort]).toContain(probe.httpGet.port);
    }
    expect(
      container.readinessProbe.periodSeconds * container.readinessProbe.failureThreshold,
    ).toBeLessThanOrEqual(5);
    const drainBoundSeconds = config.shutdownTimeoutMs / 1000 + 1;
    const { periodSeconds, failureThreshold } = container.livenessProbe;
    expect(periodSeconds * failureThreshold, 'liveness must not kill a draining pod').toBeGreaterThan(
      drainBoundSeconds,
    );
  });

  it('gives the drain its time: preStop sleep + drain bound fit in terminationGracePeriodSeconds', () => {
    const [command, seconds] = container.lifecycle.preStop.exec.command;
    expect(command).toBe('sleep');
    expect(Number(seconds)).toBeGreaterThanOrEqual(3);
    expect(config.drainSpreadMs).toBeLessThan(config.shutdownTimeoutMs);
    // main.ts exits at shutdownTimeoutMs + 1 s at the latest, whatever happens.
    const needed = Number(seconds) + config.shutdownTimeoutMs / 1000 + 1;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(needed);
  });

  it('runs as non-root with a read-only root and no privileges, with resources set', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
  });

  it('selects the same pods everywhere: Deployment, Service, PodDisruptionBudget, and the HPA targets it', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(labels).toMatchObject(get('Service').spec.selector);
    expect(labels).toMatchObject(get('PodDisruptionBudget').spec.selector.matchLabels);
    expect(get('Service').spec.ports[0].targetPort).toBe('signal');
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const hpa = get('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('scales on CPU and on a connections metric the server exports and prometheus-adapter publishes', () => {
    const metrics = get('HorizontalPodAutoscaler').spec.metrics;
    expect(metrics.find((entry: { type: string }) => entry.type === 'Resource').resource.name).toBe('cpu');
    const pods = metrics.find((entry: { type: string }) => entry.type === 'Pods').pods;
    const exported = createSignalMetrics('native', () => ({
      connections: 0,
      peers: 0,
      swarms: 0,
      members: 0,
      queued: 0,
    }));
    expect(exported.registry.getSingleMetric(pods.metric.name), pods.metric.name).toBeDefined();
    expect(Number(pods.target.averageValue)).toBeLessThan(config.maxConnections);
    const adapter = parseYaml(readFileSync(join(DEPLOY, 'prometheus-adapter-values.yaml'), 'utf8'));
    const rule = adapter.rules.custom[0];
    expect(rule.seriesQuery).toContain(pods.metric.name);
    expect(rule.name.as).toBe(pods.metric.name);
  });
});

describe('deploy/Dockerfile', () => {
  const dockerfile = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');

  it('is multi-stage, and runs the bundle as a non-root user with production dependencies only', () => {
    const stages = dockerfile.match(/^FROM .+ AS (\w+)$/gm) ?? [];
    expect(stages).toHaveLength(2);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^RUN npm ci --omit=dev/m);
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist\/signal-server\.mjs/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", .*"dist\/signal-server\.mjs"\]$/m);
    expect(runtime).toContain(`EXPOSE ${config.port}`);
  });
});
