/**
 * Offline check of every resource in infra/terraform against its provider's own schema (no
 * Terraform binary here). The schemas come from the prebuilt CDKTF providers, whose generated
 * config interfaces name every argument in a "Docs at Terraform Registry" link:
 * - cloudflare_*: @cdktf/provider-cloudflare 13.9.1 = cloudflare/cloudflare 5.14.0 (module: ~> 5.0);
 * - google_*: @cdktf/provider-google 16.12.1 = hashicorp/google 6.50.0, the newest prebuilt (CDKTF
 *   was deprecated before google 7.x). The module requires 7.x (~> 7.0), so it uses nothing 7.x
 *   added after 7.0 (GOOGLE_7X_ADDITIONS lists what it would use, each with its 7.x documentation:
 *   nothing today; the Kafka bootstrap address is read from the REST API for that reason, kafka.tf).
 *   What 7.x removed is not caught here; the 7.0 upgrade guide's removals and new requirements
 *   touch no argument this module uses (checked by hand against version_7_upgrade.html.markdown).
 * Every argument of every resource, nested blocks and object literals inside expressions included,
 * must be in the schema, and every required one must be set. Attributes the module reads from a
 * resource (`google_x.y.attr`) must be ones the provider exports.
 */
import test from 'ava';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// Loaded untyped on purpose (see infra.test.ts).
const { parse } = require('@cdktf/hcl2json') as { parse(file: string, text: string): Promise<Record<string, any>> };
const PROVIDER_LIB: Record<string, string> = {
  cloudflare: join(dirname(require.resolve('@cdktf/provider-cloudflare/package.json')), 'lib'),
  google: join(dirname(require.resolve('@cdktf/provider-google/package.json')), 'lib'),
};
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TF_DIR = join(REPO, 'infra/terraform');

/**
 * What google 7.x has that the 6.50.0 schema lacks, for the resources this module uses:
 * resource type → argument or attribute → where the 7.x documentation says so.
 */
const GOOGLE_7X_ADDITIONS: Record<string, Record<string, string>> = {};

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

/** Terraform names of the attributes a generated resource class exports (its getters). */
function attributesOf(source: string, className: string): Set<string> {
  const body = new RegExp(`export declare class ${className} extends cdktf\\.TerraformResource \\{([\\s\\S]*?)\\n\\}`).exec(source)?.[1] ?? '';
  const snake = (name: string): string => name.replace(/[A-Z]/g, (char) => `_${char.toLowerCase()}`);
  return new Set([...body.matchAll(/get (\w+)\(\)/g)].map((match) => snake(match[1] as string)));
}

interface Resource {
  type: string;
  name: string;
  body: Json;
  file: string;
}

async function loadAll(): Promise<{ resources: Resource[]; texts: Array<[string, string]> }> {
  const resources: Resource[] = [];
  const texts: Array<[string, string]> = [];
  for (const file of (await readdir(TF_DIR)).filter((name) => name.endsWith('.tf')).sort()) {
    const text = await readFile(join(TF_DIR, file), 'utf8');
    texts.push([file, text]);
    const parsed = await parse(file, text);
    for (const [type, byName] of Object.entries<Record<string, Json[]>>(parsed.resource ?? {})) {
      for (const [name, [body]] of Object.entries(byName)) resources.push({ type, name, body, file });
    }
  }
  return { resources, texts };
}
const moduleOnce = loadAll();

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

interface ProviderResource {
  interfaces: Interfaces;
  config: Map<string, Field>;
  attributes: Set<string>;
}

/** The generated schema of one resource type, or undefined when the provider has no such resource. */
async function providerResource(type: string): Promise<ProviderResource | undefined> {
  const provider = type.split('_')[0] as string;
  const lib = PROVIDER_LIB[provider];
  if (lib === undefined) return undefined;
  const dir = type.slice(provider.length + 1).replace(/_/g, '-');
  let source: string;
  let structs = '';
  try {
    source = await readFile(join(lib, dir, 'index.d.ts'), 'utf8');
    // Large resources keep their nested block interfaces in index-structs/*.d.ts: read them too, or
    // nested blocks would go unchecked.
    const structDir = join(lib, dir, 'index-structs');
    const files = await readdir(structDir).catch(() => [] as string[]);
    for (const file of files.filter((name) => name.endsWith('.d.ts'))) structs += `\n${await readFile(join(structDir, file), 'utf8')}`;
  } catch {
    return undefined;
  }
  const interfaces = schemaOf(source + structs);
  const configName = [...interfaces.keys()].find((name) => name.endsWith('Config') && !name.slice(0, -6).includes('Config'));
  const config = configName === undefined ? undefined : interfaces.get(configName);
  if (configName === undefined || config === undefined) return undefined;
  const attributes = attributesOf(source, configName.slice(0, -6));
  for (const field of config.keys()) attributes.add(field);
  for (const added of Object.keys(GOOGLE_7X_ADDITIONS[type] ?? {})) attributes.add(added);
  return { interfaces, config, attributes };
}

test('every argument of every google_* and cloudflare_* resource is in its provider schema, and every required one is set', async (t) => {
  const { resources } = await moduleOnce;
  const types = new Set(resources.map((resource) => resource.type.split('_')[0]));
  t.deepEqual([...types].sort(), ['cloudflare', 'google'], 'every resource belongs to one of the two providers');
  t.true(resources.some((resource) => resource.type === 'cloudflare_workers_script'), 'the edge Worker is in the module');
  const problems: string[] = [];
  for (const resource of resources) {
    const schema = await providerResource(resource.type);
    if (schema === undefined) {
      problems.push(`${resource.type}: not a resource of the provider`);
      continue;
    }
    check(`${resource.file}: ${resource.type}.${resource.name}`, resource.body, schema.config, schema.interfaces, problems, true);
  }
  t.deepEqual(problems, []);
});

test('every attribute the module reads from a resource is one the provider exports', async (t) => {
  const { resources, texts } = await moduleOnce;
  const declared = new Map(resources.map((resource) => [`${resource.type}.${resource.name}`, resource.type]));
  const problems: string[] = [];
  let references = 0;
  for (const [file, text] of texts) {
    for (const match of text.matchAll(/(?<!data\.)\b((?:google|cloudflare)_\w+)\.(\w+)(?:\[[^\]]*\])?\.(\w+)/g)) {
      const [, type, name, attribute] = match as unknown as [string, string, string, string];
      const key = `${type}.${name}`;
      if (!declared.has(key)) {
        problems.push(`${file}: ${key} is not declared in the module`);
        continue;
      }
      const schema = await providerResource(type);
      references += 1;
      if (schema !== undefined && !schema.attributes.has(attribute)) problems.push(`${file}: ${key}.${attribute} is not an attribute of ${type}`);
    }
  }
  t.true(references > 30, 'the references were found');
  t.deepEqual(problems, []);
});

test('the schema check does catch a wrong argument, a wrong nested key, a missing required one, and a 7.x-only attribute read without its note', async (t) => {
  const worker = await providerResource('cloudflare_workers_script');
  t.truthy(worker);
  const problems: string[] = [];
  check('x', { account_id: 'a', script_name_typo: 's', bindings: '${[{ name = "A", kind = "plain_text" }]}' }, worker?.config as Map<string, Field>, worker?.interfaces as Interfaces, problems, true);
  t.deepEqual(problems.sort(), ['x: no argument "script_name_typo" in the provider schema', 'x: required argument "script_name" missing', 'x.bindings: no argument "kind" in the provider schema'].sort());

  const kafka = await providerResource('google_managed_kafka_cluster');
  const nestedProblems: string[] = [];
  check('k', { cluster_id: 'c', location: 'l', capacity_config: [{ vcpu_count: 3, memory_bytes: 1 }], gcp_config: [{ access_config: [{ network_configs: [{ subnetwork: 's' }] }] }] }, kafka?.config as Map<string, Field>, kafka?.interfaces as Interfaces, nestedProblems, true);
  t.deepEqual(nestedProblems, ['k.gcp_config[0].access_config[0].network_configs[0]: no argument "subnetwork" in the provider schema', 'k.gcp_config[0].access_config[0].network_configs[0]: required argument "subnet" missing']);
  // Nested blocks of large resources live in index-structs/: a wrong key there is caught too.
  const cluster = await providerResource('google_container_cluster');
  const clusterProblems: string[] = [];
  check('c', { name: 'n', gateway_api_config: [{ chanel: 'CHANNEL_STANDARD' }] }, cluster?.config as Map<string, Field>, cluster?.interfaces as Interfaces, clusterProblems, true);
  t.deepEqual(clusterProblems, ['c.gateway_api_config[0]: no argument "chanel" in the provider schema', 'c.gateway_api_config[0]: required argument "channel" missing']);
  // bootstrap_address came with a 7.x release after 7.0, so a read of it is flagged (the module
  // reads the address from the REST API instead); the attributes 6.50.0 exports are known.
  const source = await readFile(join(PROVIDER_LIB.google as string, 'managed-kafka-cluster', 'index.d.ts'), 'utf8');
  t.true(attributesOf(source, 'ManagedKafkaCluster').has('create_time'));
  t.true(kafka?.attributes.has('cluster_id'));
  t.false(kafka?.attributes.has('bootstrap_address'));
});

test('the Worker\'s binding types are types the provider has', async (t) => {
  const parsed = await parse('edge-worker.tf', await readFile(join(TF_DIR, 'edge-worker.tf'), 'utf8'));
  const script = parsed.resource.cloudflare_workers_script.edge[0];
  const types = [...(script.bindings as string).matchAll(/type = "(\w+)"/g)].map((match) => match[1]);
  t.deepEqual(types, ['plain_text', 'secret_text']);
  const worker = await providerResource('cloudflare_workers_script');
  const typeDoc = worker?.interfaces.get('WorkersScriptBindings')?.get('type')?.doc ?? '';
  for (const type of types) t.true(typeDoc.includes(`"${type}"`), `${type} is a binding type of the provider`);
});
