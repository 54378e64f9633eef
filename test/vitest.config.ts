import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    // the long lab scenarios: `npm run test:e2e:long` (test/vitest.long.config.ts)
    // the fixture proofs: `npm run test:fixtures` (test/vitest.fixtures.config.ts)
    exclude: ['test/e2e-long/**', 'test/lab/proof-*.test.ts', '**/node_modules/**'],
    // Lab tests share one bridge and one set of lab hosts: run test files one at a time.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
