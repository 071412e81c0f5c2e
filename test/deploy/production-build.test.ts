// The production build: `nx run-many -t build` compiles every project to dist/ (cached by Nx), and a service runs
// from an `npm ci --omit=dev` install of that build in a directory of its own, as in the Docker runtime image.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { signDevToken } from '@cpq/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startChild, type Child } from '../support/bench-processes';
import { infraEnv } from '../support/infra-env';
import { withBuildLock } from '../support/platform-stack';
import { uniqueId } from '../support/unique';
import { ROOT } from './service-env';

const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

/** The environment for npm and Nx: Node 24 first on PATH, none of the `npm_*` variables of an enclosing `npm test`. */
const toolEnv = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_'))),
  PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
});

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, env: toolEnv(), encoding: 'utf8', timeout: 540_000 });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${output}`);
  return output;
}

const buildAll = () => run('node_modules/.bin/nx', ['run-many', '-t', 'build', '--outputStyle=static'], ROOT);

const workspaceDirs = (parent: 'apps' | 'libs') =>
  readdirSync(join(ROOT, parent)).filter((name) => existsSync(join(ROOT, parent, name, 'package.json')));

/** Package names a project's runtime code imports (specs excluded): `import ... from 'x'`, `require('x')`. */
function runtimeImports(dir: string): Set<string> {
  const names = new Set<string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        const source = readFileSync(full, 'utf8');
        const statements =
          /\bfrom[ \t]+'([^'.][^']*)'|^import[ \t]+'([^'.][^']*)'|\b(?:require|import)\([ \t]*'([^'.][^']*)'\)/gm;
        for (const match of source.matchAll(statements)) {
          const specifier = (match[1] ?? match[2] ?? match[3])!;
          if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
          names.add(
            specifier
              .split('/')
              .slice(0, specifier.startsWith('@') ? 2 : 1)
              .join('/'),
          );
        }
      }
    }
  };
  walk(join(ROOT, dir, 'src'));
  return names;
}

describe('the production build', () => {
  beforeAll(() => withBuildLock(buildAll), 600_000);

  it('lists what the services import at run time as dependencies, not devDependencies', () => {
    const root = readJson('package.json');
    const workspacePackages = new Set(
      [
        ...workspaceDirs('libs').map((d) => `libs/${d}`),
        ...workspaceDirs('apps').map((d) => `apps/${d}`),
      ].map((dir) => readJson(`${dir}/package.json`).name as string),
    );
    const missing: string[] = [];
    for (const dir of [
      ...workspaceDirs('libs').map((d) => `libs/${d}`),
      ...workspaceDirs('apps').map((d) => `apps/${d}`),
    ]) {
      if (!existsSync(join(ROOT, dir, 'src'))) continue;
      for (const name of runtimeImports(dir)) {
        if (!workspacePackages.has(name) && !root.dependencies[name]) missing.push(`${dir} imports ${name}`);
      }
    }
    expect(missing).toEqual([]);
    for (const runtime of ['pg', 'kysely', 'kafkajs', 'ioredis'])
      expect(root.dependencies[runtime], runtime).toBeDefined();
  });

  it('loads each library from its build at run time, and from its sources in development', () => {
    const paths = readJson('tsconfig.base.json').compilerOptions.paths as Record<string, string[]>;
    for (const dir of workspaceDirs('libs')) {
      const manifest = readJson(`libs/${dir}/package.json`);
      expect(manifest.main, manifest.name).toBe('dist/index.js');
      expect(manifest.types, manifest.name).toBe('src/index.ts');
      expect(paths[manifest.name], `tsconfig.base.json paths of ${manifest.name}`).toEqual([
        `./libs/${dir}/src/index.ts`,
      ]);
      expect(existsSync(join(ROOT, 'libs', dir, 'dist', 'index.js')), `libs/${dir}/dist/index.js`).toBe(true);
    }
    for (const dir of workspaceDirs('apps')) {
      if (!existsSync(join(ROOT, 'apps', dir, 'src', 'main.ts'))) continue;
      expect(existsSync(join(ROOT, 'apps', dir, 'dist', 'main.js')), `apps/${dir}/dist/main.js`).toBe(true);
      expect(existsSync(join(ROOT, 'apps', dir, 'dist', 'main.js.map')), `apps/${dir}/dist/main.js.map`).toBe(
        true,
      );
    }
    // the Lua scripts travel with the compiled runtime
    expect(readdirSync(join(ROOT, 'libs/redis-runtime/dist/scripts')).some((f) => f.endsWith('.lua'))).toBe(
      true,
    );
  });

  it('is a cache hit the second time (nx run-many -t build)', async () => {
    expect(await withBuildLock(buildAll)).toMatch(
      /read the output from the cache instead of running the command for (\d+) out of \1 tasks/,
    );
  }, 600_000);

  describe('installed with npm ci --omit=dev in a temporary directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpq-production-'));
    let child: Child | undefined;
    afterAll(async () => {
      await child?.stop();
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it('starts catalog-service from dist/ with production dependencies only', async () => {
      run('bash', ['scripts/build/pack-production.sh', dir], ROOT);
      run(
        'npm',
        ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
        dir,
      );
      for (const devOnly of ['typescript', 'vitest', 'tsx', '@swc-node/register', 'nx']) {
        expect(existsSync(join(dir, 'node_modules', devOnly)), `${devOnly} installed`).toBe(false);
      }
      expect(existsSync(join(dir, 'libs/platform/src')), 'sources shipped').toBe(false);

      const infra = infraEnv();
      const port = await freePort();
      const secret = 'production-build-secret-production-build';
      child = await startChild({
        name: `catalog-production-${port}`,
        args: ['--enable-source-maps', 'apps/catalog-service/dist/main.js'],
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'production',
          APP_ENV: uniqueId('prod').replace(/-/g, '').slice(0, 30),
          HOST: '127.0.0.1',
          PORT: String(port),
          AUTH_JWT_SECRET: secret,
          CATALOG_EVENTS: 'off',
          DATABASE_URL: infra.databaseUrl,
          KAFKA_BROKERS: infra.kafkaBrokers.join(','),
          REDIS_CACHE_URL: infra.redisCacheUrl,
          REDIS_RATE_URL: infra.redisRateUrl,
          REDIS_SESSION_URL: infra.redisSessionUrl,
        },
        port,
        logDir: join(ROOT, '.data', 'test-processes'),
        readyTimeoutMs: 120_000,
      });
      const ready = await fetch(`${child.url}/health/ready`);
      expect(ready.status).toBe(200);
      const tenant = uniqueId('t').slice(0, 40);
      const token = await signDevToken({ secret, tenantId: tenant, sub: 'u1', roles: [] });
      const catalog = await fetch(`${child.url}/v1/tenants/${tenant}/catalog`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(catalog.status).toBe(404); // read from PostgreSQL: nothing published for this tenant
      expect(catalog.headers.get('content-type')).toContain('application/problem+json');
      expect((await fetch(`${child.url}/docs/openapi.json`)).status).toBe(200);

      // the image's HEALTHCHECK command
      const health = spawnSync(process.execPath, ['healthcheck.cjs', '/health/live'], {
        cwd: dir,
        env: { PORT: String(port) },
        timeout: 10_000,
      });
      expect(health.status).toBe(0);

      await child.stop();
      expect(child.exitReason()).toBe('code 0');
    }, 600_000);
  });
});
