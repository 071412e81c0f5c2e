import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const infrastructureClients = ['ioredis', 'pg', 'kafkajs', 'kysely'].map((name) => ({
  name,
  message: 'only adapters/ (and the composition root) talk to infrastructure clients',
}));
const httpProblems = {
  name: '@cpq/platform',
  importNames: ['ProblemError', 'ProblemType', 'registerProblemMapping', 'problemMappings'],
  message: 'HTTP problems are built in http/: throw a DomainError and map it in http/<service>-problems.ts',
};

export default [
  { ignores: ['**/node_modules/**', '.tools/**', '.data/**', '.nx/**', '**/dist/**'] },
  ...tseslint.configs.recommended,
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      // Apps never reach into each other; libs never import apps. Tags live in each project.json.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Integration tests and benchmarks share the repository-level test support (test/support), not a project.
    files: ['**/test/**/*.ts', 'test/**/*.ts', 'apps/*/bench/**/*.ts', 'libs/*/bench/**/*.ts'],
    // ... and read JSON response bodies, which are `any` by nature.
    rules: { '@nx/enforce-module-boundaries': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // Hexagonal rule: domain and application code never touch Redis, PostgreSQL or Kafka clients (SQL lives in
    // adapters/), and build no HTTP problems (they live in http/).
    files: ['apps/*/src/domain/**/*.ts', 'apps/*/src/application/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [...infrastructureClients, httpProblems] }],
    },
  },
  {
    // Domain code is pure: from the platform it takes only the base of its errors.
    files: ['apps/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...infrastructureClients,
            {
              name: '@cpq/platform',
              allowImportNames: ['DomainError', 'DomainViolation'],
              message: 'domain code takes only DomainError and DomainViolation from the platform',
            },
            {
              name: '@cpq/redis-runtime',
              message: 'domain code is pure; Redis belongs to application/ ports',
            },
          ],
        },
      ],
    },
  },
];
