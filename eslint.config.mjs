import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * The layers (docs/ARCHITECTURE.md): entry points call the domain, which uses the infrastructure;
 * src/ml is a library of TensorFlow and maths that imports none of them.
 */
const layers = [
  {
    type: 'entry',
    pattern: 'src/{resolvers,schema,http,cli,jobs,processes}/**',
    partialMatch: false,
  },
  {
    type: 'domain',
    pattern: 'src/{services,telemetry,training,scoring,status,demo,realtime,notifications}/**',
    partialMatch: false,
  },
  {
    type: 'infrastructure',
    pattern: 'src/{db,tenancy,config,errors,entities,runtime}/**',
    partialMatch: false,
  },
  { type: 'ml', pattern: 'src/ml/**', partialMatch: false },
];

const element = (...types) => ({ element: { types: { anyOf: types } } });
const from = (type) => ({ element: { type } });
const to = (...types) => ({ to: element(...types) });
const file = (path) => ({ file: { path } });

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // The GraphQL explorer's browser code (bundled by scripts/build-explorer.ts).
    files: ['explorer/**'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', Worker: 'readonly' },
    },
  },
  {
    // The CLI and scripts talk to a human on stdout; everything else logs through pino.
    files: ['src/cli/**', 'scripts/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': layers,
      'boundaries/include': ['src/**/*.ts'],
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            {
              from: from('entry'),
              allow: to('entry', 'domain', 'infrastructure', 'ml'),
            },
            { from: from('domain'), allow: to('domain', 'infrastructure', 'ml') },
            // The domain enqueues through the typed job definitions (which import only Bull),
            // nothing else of src/jobs.
            { from: from('domain'), allow: { to: file('src/jobs/job-definition.ts') } },
            { from: from('infrastructure'), allow: to('infrastructure', 'ml') },
            // The request context names the types of the API's queues and channels it carries.
            {
              from: file('src/tenancy/context.ts'),
              allow: { to: element('entry', 'domain'), dependency: { kind: 'type' } },
            },
            // Entities name the JSON shapes the domain stores in them (types only, no calls).
            {
              from: from('infrastructure'),
              allow: { to: element('domain'), dependency: { kind: 'type' } },
            },
            { from: from('ml'), allow: to('ml') },
            // ml may name an entity's or the logger's type, never call into them.
            {
              from: from('ml'),
              allow: { to: element('infrastructure'), dependency: { kind: 'type' } },
            },
            // The known exceptions, named; nothing else in src/ml may reach out:
            // features.ts builds its SQL from the SLA's breach definition, which telemetry owns,
            // so that features and SLA answers can never disagree on what a breach is.
            { from: file('src/ml/features.ts'), allow: { to: file('src/telemetry/sla.ts') } },
            // The same for the running totals on the rollup rows: scoring's latest features and
            // the SLO figures read them with one set of SQL builders.
            {
              from: file('src/ml/latest-features.ts'),
              allow: { to: file('src/telemetry/minute-totals.ts') },
            },
          ],
        },
      ],
    },
  },
);
