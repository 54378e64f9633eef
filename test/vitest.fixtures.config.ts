import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * `npm run test:fixtures`: proof that the fixture releases (test/fixtures/build.sh) run like
 * upstream's on lab hosts, with their own scripts and console tools, independent of zkk's code
 * (test/lab/proof-*.test.ts). Run it after changing the fixtures, or to tell a broken fixture
 * from a zkk bug. CI does not: every e2e deploy starts and checks the same fixtures through zkk.
 */
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/lab/proof-*.test.ts'],
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 300_000,
    reporters: ['default'],
  },
});
