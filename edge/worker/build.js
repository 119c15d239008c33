// Bundles the Worker into one ES module (dist/worker.js), what Cloudflare runs: wrangler deploy,
// Terraform's cloudflare_workers_script and the Miniflare tests all load this file. tsc -b has
// type-checked src/ before this runs; esbuild only strips the types and inlines @botsieve/core's
// canonical IP functions (core has no I/O and no Node imports: platform "neutral" proves it).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/worker.ts'],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  outfile: 'dist/worker.js',
  sourcemap: true,
  logLevel: 'warning',
});
