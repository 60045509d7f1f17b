/**
 * Jest runs the TypeScript sources as native ES modules (jose 6 is ESM-only), so the
 * test script starts node with --experimental-vm-modules. ts-jest only transpiles;
 * `npm run typecheck` is the type check.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testTimeout: 20000,
}
