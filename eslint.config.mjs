import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

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
    // Hexagonal rule: domain code never touches Redis, PostgreSQL or Kafka clients.
    files: ['apps/*/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['ioredis', 'pg', 'kafkajs', 'kysely'] }],
    },
  },
];
