// Lint is part of `npm test` (pretest). Type-aware rules are kept to the ones that catch real bugs
// (floating promises, misused promises) so lint stays fast on 2 cores.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import stylistic from '@stylistic/eslint-plugin';

/**
 * One no-restricted-imports entry per layer. Import specifiers are relative, so each rule is a regex over the
 * specifier: `(\\.\\./)+x/` is "a folder x above this file". Only src/kafka/ may import kafkajs.
 */
export function layerRules() {
  const up = (names) => `^(\\.\\./)+(${names.join('|')})(/|\\.js$)`;
  const kafkajs = { name: 'kafkajs', message: 'Only src/kafka/ imports kafkajs; use its façade (src/kafka/*).' };
  // src/kafka/ hands out its own types (ClusterAdmin through withClusterAdmin, RecordProducer, PartitionReader, …);
  // these helpers return kafkajs objects, so they stay inside it.
  const kafkajsObjects = {
    regex: '(^|/)kafka/client\\.js$', importNames: ['withAdmin', 'createTopicsAndWait', 'createKafka', 'createLowLevelCluster'],
    message: 'These return kafkajs objects: use withClusterAdmin (src/kafka/cluster-admin.ts) or the other src/kafka/ façades.',
  };
  const rule = (files, patterns, extra = {}) => ({
    files, ...extra,
    rules: { 'no-restricted-imports': ['error', { paths: [kafkajs], patterns: [{ group: ['kafkajs/*'], message: kafkajs.message }, kafkajsObjects, ...patterns] }] },
  });
  const composition = { regex: up(['connectors', 'mirror', 'app', 'cli', 'dev', 'plugins']), message: 'connect/ is the framework: it never imports connectors, operations or the composition root (src/app/).' };
  return [
    // Tests may drive kafkajs's own clients as a third-party producer (e.g. its transactional producer).
    rule(['src/**/*.ts', 'bench/**/*.ts', 'scenarios/**/*.ts'], [], { ignores: ['src/kafka/**'] }),
    rule(['src/connect/**/*.ts'], [composition]),
    rule(['src/connect/{api,storage,runtime,converters,transforms}/**/*.ts', 'src/connect/http-client.ts'], [
      composition,
      { regex: up(['herder', 'rest']), message: 'api, storage, runtime, converters and transforms sit below the herders and the REST API; shared types live in src/connect/api/.' },
    ]),
    rule(['src/connect/herder/**/*.ts'], [
      composition,
      { regex: up(['rest']), message: 'The herders sit below the REST API: what REST needs from a herder is declared in herder/herder.ts.' },
    ]),
    rule(['src/connectors/**/*.ts'], [
      { regex: '^(\\.\\./)+connect/(runtime|herder|rest|storage)/', message: 'Connectors are plugins: they use src/connect/api/ (and kafka/, observability/), not the runtime.' },
      { regex: '^(\\.\\./){2,}(mirror|app|cli|dev)/', message: 'Connectors never import operations, the CLI or the composition root.' },
    ]),
  ];
}

/**
 * The formatter: the house style written as @stylistic rules, so `npm run lint` (part of `npm test`) checks it and
 * `npx eslint --fix .` applies it. It codifies the style the code already has (2-space indent, single quotes,
 * semicolons, trailing commas in multi-line lists, 1tbs braces) rather than a line-length reflow.
 */
const formatting = {
  plugins: { '@stylistic': stylistic },
  rules: {
    '@stylistic/indent': ['error', 2, { SwitchCase: 1, flatTernaryExpressions: true, offsetTernaryExpressions: true, ignoredNodes: ['TemplateLiteral *'] }],
    '@stylistic/quotes': ['error', 'single', { avoidEscape: true, allowTemplateLiterals: 'always' }],
    '@stylistic/semi': ['error', 'always'],
    '@stylistic/semi-spacing': 'error',
    '@stylistic/comma-dangle': ['error', 'always-multiline'],
    '@stylistic/comma-spacing': 'error',
    '@stylistic/key-spacing': 'error',
    '@stylistic/keyword-spacing': 'error',
    '@stylistic/space-infix-ops': 'error',
    '@stylistic/space-before-blocks': 'error',
    '@stylistic/space-before-function-paren': ['error', { anonymous: 'always', named: 'never', asyncArrow: 'always' }],
    '@stylistic/arrow-spacing': 'error',
    '@stylistic/arrow-parens': ['error', 'always'],
    '@stylistic/block-spacing': 'error',
    '@stylistic/member-delimiter-style': 'error',
    '@stylistic/type-annotation-spacing': 'error',
    '@stylistic/no-multi-spaces': ['error', { ignoreEOLComments: true }],
    '@stylistic/no-trailing-spaces': 'error',
    '@stylistic/no-tabs': 'error',
    '@stylistic/no-multiple-empty-lines': ['error', { max: 1, maxEOF: 0, maxBOF: 0 }],
    '@stylistic/eol-last': 'error',
    '@stylistic/spaced-comment': ['error', 'always', { markers: ['/'] }],
  },
};

/** The operations package is built from small named steps: no function in it grows past 60 lines. */
export const opsFunctionLength = {
  files: ['src/mirror/ops/**/*.ts'],
  rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }] },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'coverage/**', '.ferry/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'], package: 'node:test' }] }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  { files: ['**/*.ts', '**/*.js', '**/*.mjs'], ...formatting },
  // Layers (README, "Where things live"): lint keeps each one from reaching up or sideways.
  ...layerRules(),
  opsFunctionLength,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
