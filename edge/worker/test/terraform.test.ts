/**
 * Offline checks of the Cloudflare resources in infra/terraform against the provider's own schema:
 * @cdktf/provider-cloudflare 13.9.1 is generated from cloudflare/cloudflare 5.14.0 (the module pins
 * `~> 5.0`), and every argument in its config interfaces carries the Terraform name in a
 * "Docs at Terraform Registry" link. Every argument of every cloudflare_* resource, nested objects
 * included (object literals inside expressions too), must be one the schema has, and every
 * required one must be set. Then the edge Worker's bindings against what the Worker reads.
 */
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { parse } = require('@cdktf/hcl2json') as { parse(file: string, text: string): Promise<Record<string, any>> };
const PROVIDER_LIB = join(dirname(require.resolve('@cdktf/provider-cloudflare/package.json')), 'lib');
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const TF_DIR = join(REPO, 'infra/terraform');
const WORKER_DIR = join(REPO, 'edge/worker');

type Json = any;
interface Field {
  name: string;
  required: boolean;
  /** The interface a nested object's fields are described by, when the type names one. */
  nested: string | null;
  doc: string;
}
type Interfaces = Map<string, Map<string, Field>>;

/** Interfaces of one generated resource file: name → Terraform argument name → field. */
function schemaOf(source: string): Interfaces {
  const interfaces: Interfaces = new Map();
  for (const match of source.matchAll(/export interface (\w+)(?: extends [\w.]+)? \{\n([\s\S]*?)\n\}/g)) {
    const fields = new Map<string, Field>();
    for (const member of (match[2] as string).matchAll(/\/\*\*([\s\S]*?)\*\/\s*readonly (\w+)(\?)?: ([^;]+);/g)) {
      const doc = member[1] as string;
      const name = /resources\/\w+#(\w+) /.exec(doc)?.[1];
      if (name === undefined) continue;
      const nested = /^(\w+)(\[\])?( \| cdktf\.IResolvable)?$/.exec((member[4] as string).trim())?.[1] ?? null;
      fields.set(name, { name, required: member[3] === undefined, nested: nested !== null && /^[A-Z]/.test(nested) ? nested : null, doc });
    }
    interfaces.set(match[1] as string, fields);
  }
  return interfaces;
}

async function resources(): Promise<Array<{ type: string; name: string; body: Json; file: string }>> {
  const found = [];
  for (const file of (await readdir(TF_DIR)).filter((name) => name.endsWith('.tf')).sort()) {
    const parsed = await parse(file, await readFile(join(TF_DIR, file), 'utf8'));
    for (const [type, byName] of Object.entries<Record<string, Json[]>>(parsed.resource ?? {})) {
      for (const [name, [body]] of Object.entries(byName)) found.push({ type, name, body, file });
    }
  }
  return found;
}

const META = new Set(['count', 'for_each', 'lifecycle', 'depends_on', 'provider']);

/** Object-literal keys written inside an HCL expression string (`{ name = n, type = "x" }`). */
function literalKeys(expression: string): string[][] {
  return [...expression.matchAll(/\{([^{}]*)\}/g)].map((object) => [...(object[1] as string).matchAll(/(?:^|[,\n])\s*(\w+)\s*=/g)].map((key) => key[1] as string));
}

function check(where: string, body: Json, fields: Map<string, Field>, interfaces: Interfaces, problems: string[], top: boolean): void {
  for (const [key, value] of Object.entries<Json>(body)) {
    if (top && META.has(key)) continue;
    const field = fields.get(key);
    if (field === undefined) {
      problems.push(`${where}: no argument "${key}" in the provider schema`);
      continue;
    }
    const nested = field.nested === null ? undefined : interfaces.get(field.nested);
    if (nested === undefined) continue;
    const objects = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? [value] : [];
    for (const [index, object] of objects.entries()) if (typeof object === 'object' && object !== null) check(`${where}.${key}[${index}]`, object, nested, interfaces, problems, false);
    if (typeof value === 'string') {
      for (const keys of literalKeys(value)) for (const literalKey of keys) if (!nested.has(literalKey)) problems.push(`${where}.${key}: no argument "${literalKey}" in the provider schema`);
    }
  }
  if (top || Object.keys(body).length > 0) {
    for (const field of fields.values()) if (field.required && !(field.name in body)) problems.push(`${where}: required argument "${field.name}" missing`);
  }
}

test('every argument of every cloudflare_* resource is in the provider 5.14 schema, and every required one is set', async (t) => {
  const all = (await resources()).filter((resource) => resource.type.startsWith('cloudflare_'));
  t.true(all.some((resource) => resource.type === 'cloudflare_workers_script'), 'the edge Worker is in the module');
  const problems: string[] = [];
  for (const resource of all) {
    const dir = resource.type.replace(/^cloudflare_/, '').replace(/_/g, '-');
    const interfaces = schemaOf(await readFile(join(PROVIDER_LIB, dir, 'index.d.ts'), 'utf8'));
    const config = [...interfaces.keys()].find((name) => name.endsWith('Config') && !name.slice(0, -6).includes('Config'));
    const fields = config === undefined ? undefined : interfaces.get(config);
    if (fields === undefined) {
      problems.push(`${resource.type}: not a resource of the provider`);
      continue;
    }
    check(`${resource.file}: ${resource.type}.${resource.name}`, resource.body, fields, interfaces, problems, true);
  }
  t.deepEqual(problems, []);
});

test('the schema check does catch a wrong argument, a wrong nested key and a missing required one', async (t) => {
  const interfaces = schemaOf(await readFile(join(PROVIDER_LIB, 'workers-script', 'index.d.ts'), 'utf8'));
  const fields = interfaces.get('WorkersScriptConfig');
  t.truthy(fields);
  const problems: string[] = [];
  check('x', { account_id: 'a', script_name_typo: 's', bindings: '${[{ name = "A", kind = "plain_text" }]}' }, fields as Map<string, Field>, interfaces, problems, true);
  t.deepEqual(problems.sort(), ['x: no argument "script_name_typo" in the provider schema', 'x: required argument "script_name" missing', 'x.bindings: no argument "kind" in the provider schema'].sort());
});

test('the Worker script is the bundle with its module name, its bindings are vars and secrets the Worker reads, of types the provider has', async (t) => {
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
  t.deepEqual(types, ['plain_text', 'secret_text']);
  const typeDoc = schemaOf(await readFile(join(PROVIDER_LIB, 'workers-script', 'index.d.ts'), 'utf8')).get('WorkersScriptBindings')?.get('type')?.doc ?? '';
  for (const type of types) t.true(typeDoc.includes(`"${type}"`), `${type} is a binding type of the provider`);

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
