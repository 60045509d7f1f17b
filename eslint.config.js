import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      // noUncheckedIndexedAccess makes every indexed read optional; `xs[i]!` inside a bounds-checked
      // loop is the honest way to say so, and the type checker still guards everything else.
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Only src/config reads process.env.' },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', '*.config.js', 'src/config/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // Runs in nginx njs 0.7.9, not node: CommonJS require for what is loaded lazily, the
    // object nginx.conf preloads (js_preload_object vibegate_edge), and no optional catch
    // binding (`catch {` is a syntax error there).
    files: ['examples/nginx-edge/**/*.js'],
    languageOptions: { globals: { require: 'readonly', vibegate_edge: 'readonly' } },
    rules: {
      'no-restricted-properties': 'off',
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { caughtErrors: 'none' }],
    },
  },
)
