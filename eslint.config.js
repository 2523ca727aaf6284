// ESLint flat config: typescript-eslint's recommended set (syntax only: the type-aware set costs
// a full type-check per run, which `npm run typecheck` already does), with every formatting rule
// turned off by eslint-config-prettier because Prettier owns layout (.prettierrc.json).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // assembly/ is AssemblyScript: decorators on functions (`@inline function …`) and its own
    // types (i32, usize) are not TypeScript, so neither ESLint nor Prettier parses it.
    ignores: [
      'assembly/**',
      'build/**',
      'dist/**',
      '.bench/**',
      '.tmp/**',
      'native/build/**',
      'docs/api/**',
      'test/fixtures/**',
      '**/node_modules/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // One privacy dialect: ECMAScript #private members, which the runtime enforces (TS
      // `private` is erased and reachable through a cast). A private constructor has no #
      // spelling, so it stays allowed; `protected` (byte-ring.ts's subclasses) has none either.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'PropertyDefinition[accessibility="private"]',
          message: 'Use a #private field instead of the TypeScript `private` keyword.',
        },
        {
          selector: 'AccessorProperty[accessibility="private"]',
          message: 'Use a #private accessor instead of the TypeScript `private` keyword.',
        },
        {
          selector: 'MethodDefinition[accessibility="private"][kind!="constructor"]',
          message: 'Use a #private method or accessor instead of the TypeScript `private` keyword.',
        },
        {
          selector: 'TSParameterProperty[accessibility="private"]',
          message:
            'Declare a #private field and assign it in the constructor instead of a `private` parameter property.',
        },
      ],
      // `_`-prefixed names mark a deliberately unused parameter or binding (e.g. a callback's
      // signature that must be kept).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // CommonJS files (a `require` entry point or wrapper) are scripts with `require`/`module`.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    // Scripts that run in the page of the browser test.
    files: ['test/browser/**/*.{js,mjs}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Chai's property assertions (`expect(x).to.exist`, `.to.be.true`) are expression statements.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unused-expressions': 'off' },
  },
  prettier,
);
