/**
 * Offline checks of the edge Worker's Terraform (infra/terraform/edge-worker.tf) against the Worker
 * itself: the script is the bundle, and its bindings are vars and secrets the Worker reads, as
 * wrangler.toml and the README say. Every argument against the provider's schema, and the binding
 * types against the provider's, are checked with the rest of the module in
 * test/src/terraform-schema.test.ts.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { parse } = require('@cdktf/hcl2json') as { parse(file: string, text: string): Promise<Record<string, any>> };
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const TF_DIR = join(REPO, 'infra/terraform');
const WORKER_DIR = join(REPO, 'edge/worker');

type Json = any;

test('the Worker script is the bundle with its module name, its bindings are vars and secrets the Worker reads', async (t) => {
  const parsed = await parse('edge-worker.tf', await readFile(join(TF_DIR, 'edge-worker.tf'), 'utf8'));
  const script = parsed.resource.cloudflare_workers_script.edge[0];
  const route = parsed.resource.cloudflare_workers_route.edge[0];
  t.is(script.content, '${file("${path.module}/../../edge/worker/dist/worker.js")}');
  t.is(script.main_module, 'worker.js', 'the module name of the bundle (dist/worker.js)');
  t.is(route.script, '${cloudflare_workers_script.edge[0].script_name}');
  const locals = Object.assign({}, ...(parsed.locals as Json[]));
  const config = await readFile(join(WORKER_DIR, 'src/config.ts'), 'utf8');
  const envBlock = /export interface WorkerEnv \{([\s\S]*?)\n\}/.exec(config)?.[1] ?? '';
  const read = new Set([...envBlock.matchAll(/^\s+([A-Z_]+)\?:/gm)].map((match) => match[1] as string));
  t.true(read.size >= 10);
  const bound = [...Object.keys(locals.edge_worker_vars), ...Object.keys(locals.edge_worker_secrets)];
  for (const name of bound) t.true(read.has(name), `binding ${name} is a var the Worker reads`);
  t.deepEqual(Object.keys(locals.edge_worker_secrets).sort(), ['DECISIONS_TOKEN', 'EDGE_TOKEN', 'INGEST_TOKEN', 'STATS_TOKEN']);
  const types = [...(script.bindings as string).matchAll(/type = "(\w+)"/g)].map((match) => match[1]);
  t.deepEqual(types, ['plain_text', 'secret_text'], 'vars as plain_text, tokens as secret_text');

  // wrangler.toml declares the same vars (secrets are put with wrangler secret put).
  const wrangler = await readFile(join(WORKER_DIR, 'wrangler.toml'), 'utf8');
  const vars = /\[vars\]\n([\s\S]*?)(\n\[|$)/.exec(wrangler)?.[1] ?? '';
  const declared = [...vars.matchAll(/^([A-Z_]+)\s*=/gm)].map((match) => match[1] as string);
  t.true(declared.length >= 5);
  for (const name of declared) t.true(read.has(name), `wrangler.toml var ${name} is read by the Worker`);
  t.is(/^main\s*=\s*"([^"]+)"/m.exec(wrangler)?.[1], 'dist/worker.js');

  // The README's configuration table lists exactly what the Worker reads.
  const readme = await readFile(join(WORKER_DIR, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Deploy'));
  const documented = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1] as string);
  t.deepEqual(documented.sort(), [...read].sort());
});
