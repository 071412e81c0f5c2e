// deploy/kubernetes on paper: the base and the production overlay are rendered (kustomize-lite; also compared with
// `kubectl kustomize` where kubectl is installed) and checked against the contract and the services' config schemas.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { containerEnv, render, type Resource } from './kustomize-lite';
import {
  CONTRACT_PORTS,
  CONTRACT_SERVICES,
  ROOT,
  envProblems,
  serviceSchemas,
  type ServiceSchema,
} from './service-env';

const KUSTOMIZATIONS = {
  base: join(ROOT, 'deploy/kubernetes/base'),
  production: join(ROOT, 'deploy/kubernetes/overlays/production'),
};

const find = (resources: Resource[], kind: string, name: string) =>
  resources.find((r) => r.kind === kind && r.metadata.name === name);

const containerOf = (deployment: Resource, name: string) =>
  (deployment.spec.template.spec.containers as any[]).find((c) => c.name === name);

/** The container port a probe or a Service's targetPort names (by name or number). */
const portNumber = (container: any, port: string | number) =>
  typeof port === 'number' ? port : (container.ports as any[]).find((p) => p.name === port)?.containerPort;

describe.each(Object.entries(KUSTOMIZATIONS))('deploy/kubernetes %s', (environment, dir) => {
  let resources: Resource[];
  let schemas: Map<string, ServiceSchema>;

  beforeAll(async () => {
    resources = render(dir);
    schemas = await serviceSchemas();
  });

  it('has a Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler for each contract service', () => {
    for (const name of CONTRACT_SERVICES) {
      const deployment = find(resources, 'Deployment', name);
      expect(deployment, `Deployment ${name}`).toBeDefined();
      const podLabels = deployment!.spec.template.metadata.labels;
      for (const [key, value] of Object.entries(deployment!.spec.selector.matchLabels)) {
        expect(podLabels[key], `${name} pod label ${key}`).toBe(value);
      }
      const container = containerOf(deployment!, name);
      expect(portNumber(container, 'http'), `${name} container port`).toBe(CONTRACT_PORTS[name]);

      const service = find(resources, 'Service', name)!;
      expect(service.spec.selector, `Service ${name}`).toEqual(deployment!.spec.selector.matchLabels);
      expect(service.spec.ports[0].port, `Service ${name}`).toBe(CONTRACT_PORTS[name]);
      expect(portNumber(container, service.spec.ports[0].targetPort), `Service ${name}`).toBe(
        CONTRACT_PORTS[name],
      );

      const pdb = find(resources, 'PodDisruptionBudget', name)!;
      expect(pdb.spec.selector.matchLabels, `PDB ${name}`).toEqual(deployment!.spec.selector.matchLabels);
      const hpa = find(resources, 'HorizontalPodAutoscaler', name)!;
      expect(hpa.spec.scaleTargetRef, `HPA ${name}`).toMatchObject({ kind: 'Deployment', name });
      expect(hpa.spec.minReplicas, `HPA ${name}`).toBeGreaterThanOrEqual(2);
      expect(hpa.spec.maxReplicas, `HPA ${name}`).toBeGreaterThan(hpa.spec.minReplicas);
      // a node drain can always evict one pod: the budget stays below the autoscaler's floor
      expect(pdb.spec.minAvailable, `PDB ${name}`).toBeLessThan(hpa.spec.minReplicas);
      expect(deployment!.spec.replicas, `${name}: the HPA owns the replica count`).toBeUndefined();
    }
  });

  it('probes readiness on /health/ready and liveness on /health/live, requests resources, runs as non-root', () => {
    for (const name of CONTRACT_SERVICES) {
      const deployment = find(resources, 'Deployment', name)!;
      const container = containerOf(deployment, name);
      expect(container.readinessProbe.httpGet.path, name).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path, name).toBe('/health/live');
      for (const probe of [container.readinessProbe, container.livenessProbe]) {
        expect(portNumber(container, probe.httpGet.port), name).toBe(CONTRACT_PORTS[name]);
      }
      expect(container.resources.requests.cpu, name).toBeDefined();
      expect(container.resources.requests.memory, name).toBeDefined();
      expect(deployment.spec.template.spec.securityContext.runAsNonRoot, name).toBe(true);
      expect(container.image, name).toMatch(new RegExp(`(^|/)cpq-oms/${name}:[\\w.-]+$`));
    }
  });

  it('gives every service in apps/ the environment its config schema needs', () => {
    expect(schemas.size).toBeGreaterThanOrEqual(2);
    const problems = [...schemas].flatMap(([name, schema]) => {
      const deployment = find(resources, 'Deployment', name);
      if (!deployment) return [`${name}: no Deployment`];
      return envProblems(name, schema, containerEnv(resources, containerOf(deployment, name)));
    });
    expect(problems).toEqual([]);
  });

  it('runs the migrations and the topic creation as a Job with the database and Kafka settings', () => {
    const job = find(resources, 'Job', 'cpq-migrate')!;
    const container = job.spec.template.spec.containers[0];
    expect(container.command.join(' ')).toMatch(/scripts\/migrate\.ts.*scripts\/create-topics\.ts/);
    const env = containerEnv(resources, container);
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\//);
    expect(env.KAFKA_BROKERS).toBeDefined();
  });

  if (environment === 'production') {
    it('points at external PostgreSQL, Redis Cluster and Kafka, with pinned images', () => {
      for (const name of CONTRACT_SERVICES) {
        const deployment = find(resources, 'Deployment', name)!;
        const container = containerOf(deployment, name);
        const env = containerEnv(resources, container);
        expect(env.REDIS_CLUSTER, name).toBe('true');
        expect(env.APP_ENV, name).toBe('prod');
        for (const url of [
          env.DATABASE_URL,
          env.REDIS_CACHE_URL,
          env.REDIS_RATE_URL,
          env.REDIS_SESSION_URL,
        ]) {
          expect(url, name).not.toMatch(/\.svc\.cluster\.local|127\.0\.0\.1|localhost/);
        }
        expect(env.KAFKA_BROKERS!.split(',').length, name).toBeGreaterThanOrEqual(3);
        expect(container.image, name).not.toMatch(/:latest$/);
        expect(deployment.metadata.namespace, name).toBe('cpq-prod');
      }
    });
  }

  it('renders like kubectl kustomize (where kubectl is installed)', (context) => {
    const kubectl = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
    if (kubectl.error || kubectl.status !== 0) {
      context.skip();
      return;
    }
    const real = parseAllDocuments(kubectl.stdout).map((doc) => doc.toJS() as Resource);
    const unhashed = (r: Resource) =>
      r.kind === 'ConfigMap' || r.kind === 'Secret'
        ? r.metadata.name.replace(/-[a-z0-9]{10}$/, '')
        : r.metadata.name;
    const key = (r: Resource) => `${r.kind}/${unhashed(r)}`;
    expect(real.map(key).sort()).toEqual(resources.map(key).sort());
    // the real render: secrets base64-encoded, generated names hashed; compare what the containers see
    const decoded = real.map((r) =>
      r.kind === 'Secret'
        ? {
            ...r,
            metadata: { ...r.metadata, name: unhashed(r) },
            data: Object.fromEntries(
              Object.entries(r.data as Record<string, string>).map(([k, v]) => [
                k,
                Buffer.from(v, 'base64').toString(),
              ]),
            ),
          }
        : { ...r, metadata: { ...r.metadata, name: unhashed(r) } },
    );
    const unhashRefs = (container: any) => ({
      ...container,
      envFrom: (container.envFrom ?? []).map((source: any) =>
        Object.fromEntries(
          Object.entries(source).map(([kind, ref]: [string, any]) => [
            kind,
            { name: ref.name.replace(/-[a-z0-9]{10}$/, '') },
          ]),
        ),
      ),
    });
    for (const workload of resources.filter((r) => r.kind === 'Deployment' || r.kind === 'Job')) {
      const realWorkload = find(real, workload.kind, workload.metadata.name)!;
      for (const container of workload.spec.template.spec.containers as any[]) {
        const realContainer = unhashRefs(
          (realWorkload.spec.template.spec.containers as any[]).find((c) => c.name === container.name),
        );
        expect(realContainer, `${workload.metadata.name}/${container.name}`).toEqual(container);
        expect(containerEnv(decoded, realContainer)).toEqual(containerEnv(resources, container));
      }
    }
    for (const kind of ['Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) {
      for (const resource of resources.filter((r) => r.kind === kind)) {
        expect(find(real, kind, resource.metadata.name)!.spec, `${kind}/${resource.metadata.name}`).toEqual(
          resource.spec,
        );
      }
    }
  });
});
