#!/usr/bin/env node
// Shim only: the CLI lives in dist/ (built from src/ by `npm run build`).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('zkk: not built yet — run `npm run build` first');
    process.exit(2);
  }
  throw err;
});
