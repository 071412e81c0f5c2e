// No Docker engine runs here, so docker-compose.yml and the Dockerfile are kept honest by reading them: every service
// of the contract is there, on its port, with every variable its config schema needs, a healthcheck and a Dockerfile
// target; the Redis servers carry the contract's policies; the services wait for healthy dependencies.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ComposeFile,
  dockerfileStages,
  environmentOf,
  portsOf,
  readCompose,
  stageChain,
} from './compose-file';
import {
  CONTRACT_PORTS,
  CONTRACT_SERVICES,
  envProblems,
  serviceSchemas,
  type ServiceSchema,
} from './service-env';

const INFRASTRUCTURE = ['postgres', 'redis-cache', 'redis-rate', 'redis-session', 'kafka'];

describe('docker-compose.yml and the Dockerfile', () => {
  let compose: ComposeFile;
  let schemas: Map<string, ServiceSchema>;
  const stages = dockerfileStages();

  beforeAll(async () => {
    compose = readCompose({});
    schemas = await serviceSchemas();
  });

  it('interpolates with the variables a user exports (AUTH_JWT_SECRET reaches every service)', () => {
    const secret = 'a-secret-from-the-environment-0123456789';
    const custom = readCompose({ AUTH_JWT_SECRET: secret, APP_ENV: 'staging' });
    for (const name of CONTRACT_SERVICES) {
      expect(environmentOf(custom.services[name]!)).toMatchObject({
        AUTH_JWT_SECRET: secret,
        APP_ENV: 'staging',
      });
    }
    expect(environmentOf(custom.services['demo-seed']!).AUTH_JWT_SECRET).toBe(secret);
  });

  it('runs the four services of the contract, each from its Dockerfile target, on its contract port', () => {
    for (const name of CONTRACT_SERVICES) {
      const service = compose.services[name];
      expect(service, name).toBeDefined();
      expect(service!.build?.target, name).toBe(name);
      expect(stages.has(name), `Dockerfile stage ${name}`).toBe(true);
      expect(portsOf(service!), name).toEqual([[CONTRACT_PORTS[name], CONTRACT_PORTS[name]]]);
      expect(environmentOf(service!).PORT, name).toBe(String(CONTRACT_PORTS[name]));
    }
  });

  it('gives every service in apps/ the environment its config schema needs (no loopback addresses)', () => {
    expect(schemas.size).toBeGreaterThanOrEqual(2);
    const problems = [...schemas].flatMap(([name, schema]) => {
      const service = compose.services[name];
      return service
        ? envProblems(name, schema, environmentOf(service))
        : [`${name}: not in docker-compose.yml`];
    });
    expect(problems).toEqual([]);
  });

  it('starts a service only once its infrastructure is healthy and the migrations have run', () => {
    for (const name of CONTRACT_SERVICES) {
      const dependsOn = compose.services[name]!.depends_on as Record<string, { condition: string }>;
      for (const dependency of INFRASTRUCTURE) {
        expect(dependsOn[dependency]?.condition, `${name} -> ${dependency}`).toBe('service_healthy');
      }
      expect(dependsOn.migrate?.condition, `${name} -> migrate`).toBe('service_completed_successfully');
    }
  });

  it('has a healthcheck on every long-running service, and one-shot jobs for migrations + topics and the demo', () => {
    const oneShot = Object.entries(compose.services)
      .filter(([, service]) => service.restart === 'no')
      .map(([name]) => name)
      .sort();
    expect(oneShot).toEqual(['demo-seed', 'migrate']);
    for (const [name, service] of Object.entries(compose.services)) {
      if (oneShot.includes(name)) continue;
      expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.healthcheck?.disable, name).not.toBe(true);
    }
    for (const name of CONTRACT_SERVICES) {
      expect(JSON.stringify(compose.services[name]!.healthcheck!.test), name).toContain('/health/');
    }
    const migrate = JSON.stringify(compose.services.migrate!.command);
    expect(migrate).toContain('scripts/migrate.ts');
    expect(migrate).toContain('scripts/create-topics.ts');
    expect(compose.services.migrate!.build?.target).toBe('tools');
    expect(stages.has('tools')).toBe(true);
    expect(compose.services['demo-seed']!.profiles).toEqual(['demo']);
    expect(JSON.stringify(compose.services['demo-seed']!.command)).toContain('scripts/seed-demo.ts');
  });

  it('runs the three Redis servers with the contract policies, and Kafka in KRaft mode', () => {
    const command = (name: string) => String(compose.services[name]!.command);
    expect(command('redis-cache')).toMatch(/--maxmemory-policy allkeys-lru/);
    expect(command('redis-rate')).toMatch(/--maxmemory-policy noeviction/);
    expect(command('redis-session')).toMatch(/--maxmemory-policy noeviction/);
    expect(command('redis-session')).toMatch(/--appendonly yes/);
    const kafka = environmentOf(compose.services.kafka!);
    expect(kafka.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.KAFKA_CONTROLLER_QUORUM_VOTERS).toBeDefined();
  });

  it('builds each service image from production dependencies, as a non-root user, with a liveness HEALTHCHECK', () => {
    const build = stages.get('build')!.join('\n');
    expect(build).toMatch(/nx run-many -t build/);
    const runtime = stages.get('runtime')!.join('\n');
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/^USER (?!root\b|0\b)\S+/m);
    expect(runtime).toMatch(/^HEALTHCHECK .*\/health\/live/m);
    for (const name of CONTRACT_SERVICES) {
      const chain = stageChain(stages, name);
      expect(
        chain.some((stage) => stage === stages.get('runtime')),
        `${name} builds on runtime`,
      ).toBe(true);
      const own = chain[0]!.join('\n');
      expect(own, name).toContain(`apps/${name}/dist/main.js`);
      expect(own, name).toMatch(new RegExp(`^EXPOSE ${CONTRACT_PORTS[name]}$`, 'm'));
      expect(own, name).toMatch(new RegExp(`^ENV PORT=${CONTRACT_PORTS[name]}$`, 'm'));
    }
  });
});
