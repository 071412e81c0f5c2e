import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// The workspace libraries' package.json `main` is their build (dist/); tests run their TypeScript sources, found
// through the same `paths` that tsc, tsx and @swc-node/register use.
const tsconfigBase = JSON.parse(readFileSync(resolve(import.meta.dirname, 'tsconfig.base.json'), 'utf8'));
const workspaceSources = Object.entries(tsconfigBase.compilerOptions.paths as Record<string, string[]>).map(
  ([name, [target]]) => ({
    find: new RegExp(`^${name}$`),
    replacement: resolve(import.meta.dirname, target!),
  }),
);

// Two tiers with a visible seam: `unit` (*.spec.ts next to the code, pure logic, no servers; also the pure helpers of
// test/support, e.g. the bench docs renderer, and the scripts') and
// `integration` (test/**/*.test.ts against real PostgreSQL, Redis and Kafka, brought up by the global setup).
// Files listed in SERIAL run in a project of their own, after the others (`groupOrder`), alone.
const SERIAL = [
  // waits out a real minute window (about 50 s) while killing and restarting its rate Redis: alone, it neither
  // slows the other files nor is slowed by them
  'apps/pricing-service/test/pricing-rate-limit-faults.test.ts',
];
// The fault campaign of issue 14 (`npm run test:faults`): the whole platform on private servers under load for about
// four minutes, killing and pausing them; alone, after everything else (it loads both cores).
const FAULTS = ['test/faults/**/*.test.ts'];
const integration = {
  globalSetup: ['test/support/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 180_000,
};
export default defineConfig({
  // SWC rather than esbuild so NestJS decorator metadata is emitted.
  plugins: [swc.vite({ jsc: { target: 'es2023' } })],
  resolve: { alias: workspaceSources },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            '{apps,libs}/*/src/**/*.spec.ts',
            'test/support/**/*.spec.ts',
            'test/e2e/**/*.spec.ts',
            'scripts/**/*.spec.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{apps,libs}/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...SERIAL, ...FAULTS],
          ...integration,
          maxWorkers: 2,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-serial',
          include: SERIAL,
          ...integration,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: FAULTS,
          ...integration,
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
