import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Two tiers with a visible seam: `unit` (*.spec.ts next to the code, pure logic, no servers) and
// `integration` (test/**/*.test.ts against real PostgreSQL, Redis and Kafka, brought up by the global setup).
export default defineConfig({
  // SWC rather than esbuild so NestJS decorator metadata is emitted.
  plugins: [swc.vite({ jsc: { target: 'es2023' } })],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{apps,libs}/*/src/**/*.spec.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{apps,libs}/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
        },
      },
    ],
  },
});
