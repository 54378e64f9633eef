import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:e2e:long`: the long lab scenarios (scaling, upgrades, migration, adoption), kept
 * out of the default `npm test` so CI's default run stays short; .ci/run runs them after it.
 */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/e2e-long/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 300_000,
    reporters: ['default'],
    passWithNoTests: true,
  },
});
