// Test runner config. Integration suites start real servers, so timeouts are generous
// and files run in a few forks only (2-core machines).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests use the pinned CLI from the project's tool venv (scripts/setup-tools.sh), not whatever
// `temporal` happens to be on the machine's PATH.
const TEMPORAL_CLI_PATH = process.env.TEMPORAL_CLI_PATH ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '.venv-tools', 'bin', 'temporal');

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // Processes the tests spawn run the sources under test, never a dist/ build left from earlier
    // (test/e2e/start.test.ts builds and runs dist/ on purpose).
    env: { TEMPORAL_CLI_PATH, FINOPS_FROM_SOURCE: '1' },
  },
});
