/**
 * Offline checks of infra/terraform (no Terraform binary here): every file parses as HCL
 * (@cdktf/hcl2json), the files it reads exist, the BigQuery tables' partition and clustering
 * columns fit their schema files, the Cloudflare lists, rules and Logpush job agree with each
 * other and with what ingest and the sinks expect, and the Pub/Sub subscriptions are ordered.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { topicsConfigSchema } from '@botsieve/bus';
import { METRIC } from '@botsieve/core';
import { INGEST_ERRORS } from '@botsieve/ingest';

// Loaded untyped on purpose: its declarations reference the DOM lib, whose fetch types would
// leak into every other file of this workspace.
const { parse } = createRequire(import.meta.url)('@cdktf/hcl2json') as { parse(file: string, text: string): Promise<Record<string, any>> };

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TF_DIR = join(REPO, 'infra/terraform');

type Json = any;
interface Module {
  files: string[];
  resources: Record<string, Record<string, Json>>;
  variables: Record<string, Json>;
  locals: Record<string, Json>;
  outputs: Record<string, Json>;
}

async function loadModule(): Promise<Module> {
  const files = (await readdir(TF_DIR)).filter((file) => file.endsWith('.tf')).sort();
  const module: Module = { files, resources: {}, variables: {}, locals: {}, outputs: {} };
  for (const file of files) {
    const parsed = await parse(file, await readFile(join(TF_DIR, file), 'utf8'));
    for (const [type, byName] of Object.entries<Record<string, Json[]>>(parsed.resource ?? {})) {
      for (const [name, [body]] of Object.entries(byName)) (module.resources[type] ??= {})[name] = body;
    }
    for (const [name, [body]] of Object.entries<Json[]>(parsed.variable ?? {})) module.variables[name] = body;
    for (const [name, [body]] of Object.entries<Json[]>(parsed.output ?? {})) module.outputs[name] = body;
    for (const block of parsed.locals ?? []) Object.assign(module.locals, block);
  }
  return module;
}

const moduleOnce = loadModule();

function resource(module: Module, type: string, name: string): Json {
  const body = module.resources[type]?.[name];
  if (body === undefined) throw new Error(`no resource ${type}.${name}`);
  return body;
}

/** Every string in a parsed HCL value, with the path to it. */
function* strings(value: Json, path = ''): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const [index, item] of value.entries()) yield* strings(item, `${path}[${index}]`);
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) yield* strings(item, path === '' ? key : `${path}.${key}`);
}

/** `"${var.x}_block_ip"` → with the variable's default (or `overrides`) substituted. */
function interpolateVars(text: string, module: Module, overrides: Record<string, string> = {}): string {
  return text.replace(/\$\{var\.(\w+)\}/g, (_, name: string) => overrides[name] ?? String(module.variables[name]?.default));
}

/**
 * Terraform's urlencode, as its documentation describes it: UTF-8 bytes, percent-encoded except
 * the RFC 3986 unreserved characters, and a space as "+" (Go's url.QueryEscape, which it calls).
 */
function terraformUrlencode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char)) out += char;
    else if (char === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Evaluates an HCL template as hcl2json leaves it ("a${f(var.x, "y")}b"), for the few functions the
 * module's string-building uses: literals, var.<name>, urlencode() and replace() (plain substring;
 * Terraform treats /.../ as a regex, which is refused here). Anything else throws: the test must
 * not pass by ignoring part of an expression.
 */
function evaluateTemplate(template: string, vars: Record<string, string>): string {
  let out = '';
  let index = 0;
  while (index < template.length) {
    const start = template.indexOf('${', index);
    if (start === -1) return out + template.slice(index);
    out += template.slice(index, start);
    const parser = { text: template, at: start + 2 };
    out += evaluateExpression(parser, vars);
    if (template[parser.at] !== '}') throw new Error(`unterminated interpolation at ${parser.at}`);
    index = parser.at + 1;
  }
  return out;
}

function evaluateExpression(parser: { text: string; at: number }, vars: Record<string, string>): string {
  const skip = (): void => {
    while (/\s/.test(parser.text[parser.at] ?? '')) parser.at += 1;
  };
  skip();
  if (parser.text[parser.at] === '"') {
    let value = '';
    parser.at += 1;
    while (parser.text[parser.at] !== '"') {
      if (parser.at >= parser.text.length) throw new Error('unterminated string');
      if (parser.text[parser.at] === '\\') parser.at += 1;
      value += parser.text[parser.at];
      parser.at += 1;
    }
    parser.at += 1;
    skip();
    return value;
  }
  const name = /^[A-Za-z_][\w.]*/.exec(parser.text.slice(parser.at))?.[0];
  if (name === undefined) throw new Error(`unexpected ${parser.text.slice(parser.at, parser.at + 20)}`);
  parser.at += name.length;
  skip();
  if (parser.text[parser.at] !== '(') {
    const variable = /^var\.(\w+)$/.exec(name)?.[1];
    if (variable === undefined || !(variable in vars)) throw new Error(`cannot evaluate ${name}`);
    return vars[variable] as string;
  }
  parser.at += 1;
  const args: string[] = [];
  skip();
  while (parser.text[parser.at] !== ')') {
    args.push(evaluateExpression(parser, vars));
    if (parser.text[parser.at] === ',') parser.at += 1;
    else if (parser.text[parser.at] !== ')') throw new Error(`expected , or ) at ${parser.at}`);
  }
  parser.at += 1;
  skip();
  if (name === 'urlencode' && args.length === 1) return terraformUrlencode(args[0] as string);
  if (name === 'replace' && args.length === 3) {
    const [text, search, replacement] = args as [string, string, string];
    if (search.length > 1 && search.startsWith('/') && search.endsWith('/')) throw new Error('regex replace is not evaluated here');
    return text.split(search).join(replacement);
  }
  throw new Error(`function ${name}/${args.length} is not evaluated here`);
}

test('the urlencode port reproduces the examples of Terraform\'s documentation', (t) => {
  t.is(terraformUrlencode('Hello World!'), 'Hello+World%21');
  t.is(terraformUrlencode('☃'), '%E2%98%83');
  t.is(evaluateTemplate('http://example.com/search?q=${urlencode("terraform urlencode")}', {}), 'http://example.com/search?q=terraform+urlencode');
  // The expression this module used before: it would have sent Bearer+SECRET.
  t.is(evaluateTemplate('${urlencode(var.token)}', { token: 'Bearer SECRET' }), 'Bearer+SECRET');
  t.throws(() => evaluateTemplate('${base64encode(var.token)}', { token: 'x' }));
});

interface SchemaField {
  name: string;
  type: string;
  mode?: string;
}

test('every Terraform file parses as HCL (and the parser does reject broken HCL)', async (t) => {
  const module = await moduleOnce;
  t.deepEqual(module.files, ['alerts.tf', 'bigquery.tf', 'build.tf', 'cloudflare.tf', 'edge-worker.tf', 'gke.tf', 'iam.tf', 'ingress.tf', 'kafka.tf', 'main.tf', 'outputs.tf', 'pubsub.tf', 'redis.tf', 'variables.tf', 'versions.tf']);
  await t.notThrowsAsync(async () => parse('terraform.tfvars.example', await readFile(join(TF_DIR, 'terraform.tfvars.example'), 'utf8')));
  await t.throwsAsync(parse('broken.tf', 'resource "a" "b" {\n  x = [1, \n}\n'));
  const versions = await parse('versions.tf', await readFile(join(TF_DIR, 'versions.tf'), 'utf8'));
  const providers = versions.terraform[0].required_providers[0];
  t.like(providers, { google: { source: 'hashicorp/google', version: '~> 7.0' }, cloudflare: { source: 'cloudflare/cloudflare', version: '~> 5.0' }, http: { source: 'hashicorp/http', version: '~> 3.4' } });
});

test('the Kafka bootstrap address comes from the Managed Kafka REST API (any google 7.x), with its port, into the outputs', async (t) => {
  const kafka = await parse('kafka.tf', await readFile(join(TF_DIR, 'kafka.tf'), 'utf8'));
  const read = kafka.data.http.kafka_cluster[0];
  t.is(read.for_each, '${google_managed_kafka_cluster.bus}');
  // The cluster's resource name, projects/{project}/locations/{location}/clusters/{cluster_id}, on the v1 API.
  t.is(read.url, 'https://managedkafka.googleapis.com/v1/projects/${var.project_id}/locations/${each.value.location}/clusters/${each.value.cluster_id}');
  t.is(read.request_headers.Authorization, 'Bearer ${data.google_client_config.current.access_token}');
  t.regex(read.lifecycle[0].postcondition[0].condition, /status_code == 200 && .*bootstrapAddress/);
  t.regex(kafka.locals.find((block: Record<string, string>) => 'kafka_bootstrap_addresses' in block).kafka_bootstrap_addresses, /jsondecode\(cluster\.response_body\)\.bootstrapAddress\}:9092/);
  const outputs = await readFile(join(TF_DIR, 'outputs.tf'), 'utf8');
  t.false(outputs.includes('.bootstrap_address'), 'the resource attribute (a 7.x addition after 7.0) is not read');
  t.regex(outputs, /BOTSIEVE_BUS__KAFKA__BROKERS\s+= local\.kafka_bootstrap_addresses\[region\]/);
});

test('every variable is typed and described; every output described', async (t) => {
  const module = await moduleOnce;
  t.true(Object.keys(module.variables).length > 20);
  for (const [name, variable] of Object.entries(module.variables)) {
    t.truthy(variable.type, `variable ${name} has a type`);
    t.true(typeof variable.description === 'string' && variable.description.length > 10, `variable ${name} is described`);
  }
  for (const [name, output] of Object.entries(module.outputs)) t.true(typeof output.description === 'string', `output ${name} is described`);
});

test('every file(...) the module reads exists (for_each over tables.json expanded)', async (t) => {
  const module = await moduleOnce;
  const found: string[] = [];
  for (const byName of Object.values(module.resources)) {
    for (const body of Object.values(byName)) {
      // A for_each over jsondecode(file(X)) gives the each.key / each.value.* that file() paths may use.
      let instances: Array<Record<string, string>> = [{}];
      const forEach = typeof body.for_each === 'string' ? /^\$\{jsondecode\(file\("([^"]+)"\)\)\}$/.exec(body.for_each) : null;
      if (forEach !== null) {
        const source = (forEach[1] as string).replace('${path.module}', TF_DIR);
        const entries = JSON.parse(await readFile(source, 'utf8')) as Record<string, Record<string, unknown>>;
        instances = Object.entries(entries).map(([key, value]) => ({ key, ...Object.fromEntries(Object.entries(value).map(([k, v]) => [`value.${k}`, String(v)])) }));
      }
      for (const [path, text] of strings(body)) {
        for (const match of text.matchAll(/file\("((?:[^"\\]|\\.)*)"\)/g)) {
          for (const each of instances) {
            const file = (match[1] as string).replace('${path.module}', TF_DIR).replace(/\$\{each\.([\w.]+)\}/g, (_, key: string) => each[key] ?? `<unresolved each.${key}>`);
            t.false(file.includes('${'), `${path}: file(${match[1]}) can be resolved`);
            t.true(existsSync(file), `${path}: ${file} exists`);
            found.push(resolve(file));
          }
        }
      }
    }
  }
  const schemaDir = join(REPO, 'sinks/schemas/bigquery');
  t.true(found.includes(join(schemaDir, 'tables.json')));
  t.true(found.includes(join(schemaDir, 'verdicts.json')) && found.includes(join(schemaDir, 'traffic_1m.json')), 'each table schema is read from its file');
});

test('the BigQuery tables come from tables.json, partitioned on a TIMESTAMP and clustered on at most 4 top-level columns', async (t) => {
  const module = await moduleOnce;
  const table = resource(module, 'google_bigquery_table', 'botsieve');
  t.is(table.for_each, '${jsondecode(file("${path.module}/../../sinks/schemas/bigquery/tables.json"))}');
  t.is(table.schema, '${file("${path.module}/../../sinks/schemas/bigquery/${each.value.schema_file}")}');
  t.like(table.time_partitioning[0], { type: 'DAY', field: '${each.value.partition_field}' });
  t.is(table.clustering, '${each.value.clustering}');
  t.is(table.deletion_protection, '${var.bigquery_deletion_protection}');
  t.is(module.variables.bigquery_deletion_protection.default, true);

  const schemaDir = join(REPO, 'sinks/schemas/bigquery');
  const tables = JSON.parse(await readFile(join(schemaDir, 'tables.json'), 'utf8')) as Record<string, { schema_file: string; partition_field: string; clustering: string[] }>;
  t.true(Object.keys(tables).length >= 2);
  for (const [name, spec] of Object.entries(tables)) {
    const fields = JSON.parse(await readFile(join(schemaDir, spec.schema_file), 'utf8')) as SchemaField[];
    const partition = fields.find((field) => field.name === spec.partition_field);
    t.is(partition?.type, 'TIMESTAMP', `${name}: partition field ${spec.partition_field} is a TIMESTAMP column`);
    t.not(partition?.mode, 'REPEATED');
    t.true(spec.clustering.length >= 1 && spec.clustering.length <= 4, `${name}: 1 to 4 clustering columns`);
    for (const column of spec.clustering) {
      const field = fields.find((candidate) => candidate.name === column);
      t.truthy(field, `${name}: clustering column ${column} exists`);
      t.not(field?.mode, 'REPEATED', `${name}: clustering column ${column} is not repeated`);
      t.not(field?.type, 'RECORD', `${name}: clustering column ${column} is a scalar`);
    }
  }
});

test('the Cloudflare lists have no items and valid names, also with the longest prefix allowed', async (t) => {
  const module = await moduleOnce;
  const lists = module.resources.cloudflare_list ?? {};
  t.deepEqual(Object.keys(lists).sort(), ['block_asn', 'block_ip', 'challenge_asn', 'challenge_ip']);
  const prefixRule = /\{1,(\d+)\}/.exec(module.variables.cloudflare_list_prefix.validation[0].condition as string);
  t.truthy(prefixRule, 'the prefix variable bounds its length');
  const longestPrefix = 'p'.repeat(Number(prefixRule?.[1]));
  for (const [key, list] of Object.entries<Json>(lists)) {
    t.false('items' in list || 'item' in list, `cloudflare_list.${key} has no items: the pipeline owns them`);
    t.true(['ip', 'asn'].includes(list.kind as string));
    for (const prefix of [undefined, longestPrefix]) {
      const name = interpolateVars(list.name as string, module, prefix === undefined ? {} : { cloudflare_list_prefix: prefix });
      t.regex(name, /^[a-z0-9_]+$/, `list name ${name}`);
      t.true(name.length <= 50, `list name ${name} has at most 50 characters`);
    }
  }
  t.is(interpolateVars(lists.challenge_asn.name as string, module), 'botsieve_challenge_asn');
});

test('the WAF rules reference only defined lists, with the field matching the list kind; each list is enforced', async (t) => {
  const module = await moduleOnce;
  const ruleset = resource(module, 'cloudflare_ruleset', 'botsieve');
  t.like(ruleset, { kind: 'zone', phase: 'http_request_firewall_custom' });
  const lists = module.resources.cloudflare_list ?? {};
  const listNames = new Set(Object.values<Json>(lists).map((list) => interpolateVars(list.name, module)));
  const enforced = new Set<string>();
  for (const rule of ruleset.rules as Json[]) {
    t.true(['block', 'managed_challenge'].includes(rule.action), `rule ${rule.ref}: action ${rule.action}`);
    const expression = rule.expression as string;
    const format = /^\$\{format\("((?:[^"\\]|\\.)*)", (.*)\)\}$/.exec(expression);
    if (format === null) {
      // A literal expression may still name lists: `$name` (not `${`).
      for (const match of expression.matchAll(/\$(?!\{)([a-z0-9_]+)/g)) t.true(listNames.has(match[1] as string), `rule ${rule.ref} references defined list ${match[1]}`);
      continue;
    }
    const pieces = (format[1] as string).split('%s');
    const args = (format[2] as string).split(/,\s*/);
    t.is(args.length, pieces.length - 1, `rule ${rule.ref}: format arguments match`);
    for (const [index, arg] of args.entries()) {
      const before = pieces[index] as string;
      const listRef = /^cloudflare_list\.(\w+)\.name$/.exec(arg);
      if (!before.endsWith(' in $')) {
        t.is(listRef, null, `rule ${rule.ref}: a list name is only used after "in $"`);
        continue;
      }
      t.truthy(listRef, `rule ${rule.ref}: "in $" is followed by a cloudflare_list name, not ${arg}`);
      const list = lists[listRef?.[1] ?? ''];
      t.truthy(list, `rule ${rule.ref}: cloudflare_list.${listRef?.[1]} is defined`);
      const field = /([\w.]+) in \$$/.exec(before)?.[1];
      t.is(field, list?.kind === 'asn' ? 'ip.src.asnum' : 'ip.src', `rule ${rule.ref}: field ${field} fits a ${list?.kind} list`);
      t.is(rule.action, listRef?.[1]?.startsWith('block_') ? 'block' : 'managed_challenge', `rule ${rule.ref}: action fits the list`);
      enforced.add(listRef?.[1] ?? '');
    }
  }
  t.deepEqual([...enforced].sort(), Object.keys(lists).sort(), 'every list is enforced by a rule');
});

test('the JA4 rules sit exactly where ignore_changes points, so Terraform never reverts the pipeline', async (t) => {
  const module = await moduleOnce;
  const ruleset = resource(module, 'cloudflare_ruleset', 'botsieve');
  const rules = ruleset.rules as Json[];
  const ja4 = rules.flatMap((rule, index) => ((rule.ref as string).includes('ja4') ? [index] : []));
  t.deepEqual(ja4.map((index) => rules[index].action), ['block', 'managed_challenge']);
  const ignored = (ruleset.lifecycle[0].ignore_changes as string[]).map((path) => path.replace(/^\$\{(.*)\}$/, '$1'));
  const expected = ja4.flatMap((index) => ['expression', 'description', 'enabled'].map((attribute) => `rules[${index}].${attribute}`));
  t.deepEqual(ignored.sort(), expected.sort(), 'ignore_changes covers what the sink rewrites on the JA4 rules, and nothing else');
  for (const index of ja4) {
    t.is(rules[index].enabled, false, 'created disabled, as the sink leaves a rule without JA4 verdicts');
    t.regex(rules[index].description as string, /^botsieve exp=0 s=0/, "created with the sink's empty-state description");
  }
  const ids = module.outputs.cloudflare_ja4_rule_ids.value as Record<string, string>;
  t.deepEqual(ids, { block: `\${cloudflare_ruleset.botsieve.rules[${ja4[0]}].id}`, challenge: `\${cloudflare_ruleset.botsieve.rules[${ja4[1]}].id}` });
  t.true(String(module.locals.ja4_initial_expression).includes('cf.bot_management.ja4 in {'));
});

test('every verdict subscription is ordered, dead-letters, and belongs to a region', async (t) => {
  const module = await moduleOnce;
  const subscriptions = module.resources.google_pubsub_subscription ?? {};
  const verdictSubscriptions = Object.entries<Json>(subscriptions).filter(([, body]) => body.topic === '${google_pubsub_topic.verdicts.id}');
  t.is(verdictSubscriptions.length, 1);
  for (const [name, body] of verdictSubscriptions) {
    t.is(body.enable_message_ordering, true, `${name} enables message ordering`);
    t.is(body.for_each, '${var.regions}', `${name}: one per region`);
    t.is(body.dead_letter_policy?.[0]?.dead_letter_topic, '${google_pubsub_topic.verdicts_deadletter.id}');
    t.is(body.expiration_policy?.[0]?.ttl, '', `${name} never expires`);
  }
  t.is(resource(module, 'google_pubsub_topic', 'verdicts').name, '${var.pubsub_topic_name}');
  t.is(module.variables.pubsub_topic_name.default, 'botsieve-verdicts');
  t.truthy(module.resources.google_pubsub_subscription_iam_member?.deadletter_forwarder, "Pub/Sub's service agent may forward to the dead-letter topic");
});

test('Redis Cluster and Kafka: replicated across zones, topics named like the bus config', async (t) => {
  const module = await moduleOnce;
  const redis = resource(module, 'google_redis_cluster', 'verdicts');
  t.like(redis, { for_each: '${var.regions}', shard_count: '${each.value.redis_shard_count}', replica_count: '${var.redis_replica_count}' });
  t.is(redis.zone_distribution_config[0].mode, 'MULTI_ZONE');
  t.is(redis.psc_configs[0].network, '${var.network}');
  t.is(module.variables.redis_replica_count.default, 1);

  const topicKeys = Object.keys(topicsConfigSchema.shape).sort();
  t.deepEqual(Object.keys(module.variables.kafka_topics.default).sort(), topicKeys, 'one Kafka topic per bus topic');
  const envText = JSON.stringify(module.outputs.botsieve_env.value);
  for (const key of topicKeys) t.true(envText.includes(`BOTSIEVE_BUS__TOPICS__${key.toUpperCase()}`), `botsieve_env sets bus.topics.${key}`);
  t.like(resource(module, 'google_managed_kafka_topic', 'bus'), { partition_count: '${each.value.spec.partitions}', replication_factor: '${var.kafka_replication_factor}' });
  const cluster = resource(module, 'google_container_cluster', 'botsieve');
  t.is(cluster.workload_identity_config[0].workload_pool, '${var.project_id}.svc.id.goog');
  t.truthy(resource(module, 'google_container_node_pool', 'pipeline').autoscaling);
});

test('the Logpush job sends http_requests with fields and timestamps ingest reads, to its /logpush route', async (t) => {
  const module = await moduleOnce;
  const job = resource(module, 'cloudflare_logpush_job', 'http_requests');
  t.is(job.dataset, 'http_requests');
  t.is(job.output_options.output_type, 'ndjson');
  t.true(['unixnano', 'unix', 'rfc3339'].includes(job.output_options.timestamp_format), 'a format ingest parses (see ingest/src/logpush/timestamp.ts)');
  // The reference's own example (what Cloudflare documents): a space in the header value is %20.
  const vars = { ingest_logpush_url: 'https://ingest.example.com/logpush', ingest_auth_header: 'Authorization', ingest_auth_token: 'Bearer SECRET' };
  t.is(evaluateTemplate(job.destination_conf as string, vars), 'https://ingest.example.com/logpush?header_Authorization=Bearer%20SECRET');
  // A token with characters that mean something in a query string survives as one parameter.
  const token = 'Bearer a+b/c=d&e f';
  const conf = evaluateTemplate(job.destination_conf as string, { ...vars, ingest_auth_token: token });
  t.is(new URL(conf).searchParams.get('header_Authorization'), token);
  t.false(conf.slice(conf.indexOf('?')).includes('+'), 'no "+" left for Cloudflare to misread');

  const parser = await readFile(join(REPO, 'ingest/src/logpush/parse-event.ts'), 'utf8');
  const read = new Set([...parser.matchAll(/record\.([A-Z]\w+)/g)].map((match) => match[1] as string));
  t.true(read.size > 15, 'the parser fields were found');
  const fields = [...(module.locals.logpush_fields as string[]), ...(module.locals.logpush_bot_fields as string[])];
  for (const field of fields) t.true(read.has(field), `Logpush field ${field} is read by ingest`);
  for (const required of ['RayID', 'ClientIP', 'EdgeStartTimestamp']) t.true((module.locals.logpush_fields as string[]).includes(required), `${required} is always sent`);

  // ingest routes POST /logpush once, for both HTTP servers (runtime's transport: uWebSockets.js, and the node:http fallback).
  const server = await readFile(join(REPO, 'ingest/src/server/ingest-server.ts'), 'utf8');
  t.true(server.includes("{ method: 'POST', path: '/logpush',"), 'ingest serves POST /logpush');
  t.regex(module.variables.ingest_logpush_url.validation[0].condition as string, /\/logpush\$/);
});

/** Metric names registered in the production sources: core's METRIC, and string literals elsewhere. */
async function registeredMetricNames(): Promise<Set<string>> {
  const names = new Set<string>(Object.values(METRIC));
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['node_modules', 'dist', 'testdata'].includes(entry.name)) await walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) {
        for (const match of (await readFile(path, 'utf8')).matchAll(/'(botsieve_[a-z0-9_]+)'/g)) names.add(match[1] as string);
      }
    }
  };
  for (const workspace of ['core', 'runtime', 'bus', 'ingest', 'detectors', 'sinks', 'decisions']) {
    if (existsSync(join(REPO, workspace, 'src'))) await walk(join(REPO, workspace, 'src'));
  }
  return names;
}

test('every alert queries metrics the code registers, with labels they have; the 503 alert counts exactly ingest\'s 503 codes', async (t) => {
  const module = await moduleOnce;
  const queries = module.locals.alert_queries as Record<string, string>;
  const alerts = module.locals.alerts as Record<string, Json>;
  t.deepEqual(Object.keys(queries).sort(), Object.keys(alerts).sort(), 'one query per alert');
  const policy = resource(module, 'google_monitoring_alert_policy', 'botsieve');
  t.is(policy.conditions[0].condition_prometheus_query_language[0].query, '${local.alert_queries[each.key]}');

  const registered = await registeredMetricNames();
  t.true(registered.has('botsieve_cloudflare_list_items') && registered.has('botsieve_sink_lag_seconds'), 'the sources were read');
  const queried = new Set<string>();
  for (const [name, query] of Object.entries(queries)) {
    const metrics = [...query.matchAll(/\b(botsieve_[a-z0-9_]+)\b/g)].map((match) => match[1] as string);
    t.true(metrics.length > 0, `alert ${name} queries a botsieve metric`);
    for (const metric of metrics) {
      t.true(registered.has(metric), `alert ${name}: ${metric} is registered by the code`);
      queried.add(metric);
    }
  }
  // The four the issue asks for: 503s at ingest, consumer lag, sink failures, list capacity.
  for (const metric of ['botsieve_ingest_uploads_total', 'botsieve_watermark_lag_seconds', 'botsieve_sink_lag_seconds', 'botsieve_errors_total', 'botsieve_cloudflare_list_items']) t.true(queried.has(metric), `an alert watches ${metric}`);

  // Labels the queries select on exist on those metrics (runtime/src/telemetry.ts, ingest/src/metrics.ts).
  const telemetry = await readFile(join(REPO, 'runtime/src/telemetry.ts'), 'utf8');
  t.regex(telemetry, /labelNames: \['component', 'topic', 'partition', 'detector', 'kind'\]/, 'gauges carry component and kind');
  const ingestMetrics = await readFile(join(REPO, 'ingest/src/metrics.ts'), 'utf8');
  t.regex(ingestMetrics, /name: METRIC\.ingestUploads,[^;]*labelNames: \['route', 'outcome'\]/);
  t.true(queries.sink_errors?.includes('component=~"sink\\\\..*"'), 'sink components are named sink.<id>');

  const unavailable = Object.values(INGEST_ERRORS).filter((error) => error.status === 503).map((error) => error.code).sort();
  t.deepEqual([...(module.locals.ingest_unavailable_codes as string[])].sort(), unavailable, 'the 503 alert counts every code ingest answers 503 with, and only those');
  t.regex(queries.ingest_unavailable as string, /route="logpush"/);
});

test('the Cloud Build trigger builds cloudbuild.yaml, which builds the root Dockerfile into the image the stack names', async (t) => {
  const module = await moduleOnce;
  const trigger = resource(module, 'google_cloudbuild_trigger', 'image');
  t.is(trigger.filename, 'cloudbuild.yaml');
  t.is(trigger.substitutions._IMAGE, '${local.image}');
  const build = await readFile(join(REPO, trigger.filename as string), 'utf8');
  t.regex(build, /docker build -f Dockerfile /, 'the image is built from the Dockerfile at the repository root');
  t.regex(build, /push, --all-tags, "\$\{_IMAGE\}"/);
  // Cloud Build substitutes ${NAME} itself: shell variables must be written $${...}.
  for (const match of build.matchAll(/(?<!\$)\$\{(\w+)/g)) t.true(/^(_[A-Z0-9_]+|BUILD_ID|SHORT_SHA|COMMIT_SHA|PROJECT_ID)$/.test(match[1] as string), `\${${match[1]}} is a Cloud Build substitution`);
  t.is(module.locals.image, '${local.artifact_registry_location}-docker.pkg.dev/${var.project_id}/${var.artifact_registry_repository}/botsieve');
});
