/** Jest runs the TypeScript sources in ESM mode; type-checking is `npm run typecheck`. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }]
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/scripts/jest-closing-line.cjs'],
  // A floor, not the goal. The pure core and the edges tested in-process are measured here; the
  // Action's orchestration (src/action, src/gate, src/github, src/main.ts) and the CLI run as the
  // shipped bundle in child processes, which in-process coverage cannot see.
  coverageProvider: 'v8',
  coverageReporters: ['text-summary'],
  collectCoverageFrom: ['src/core/**/*.ts', 'src/render/**/*.ts', 'src/git/**/*.ts', 'src/tree/**/*.ts'],
  coverageThreshold: { global: { lines: 85, branches: 80, functions: 90 } }
}
