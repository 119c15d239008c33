import { readFileSync } from 'node:fs';
import test from 'ava';
import { parseConfig } from '@botsieve/runtime';
import { z } from 'zod';
import { ingestConfigSchema } from './config.js';

test('defaults', (t) => {
  const config = parseConfig(ingestConfigSchema, {});
  t.is(config.host, '0.0.0.0');
  t.is(config.port, 8080);
  t.is(config.ack, 'durable');
  t.deepEqual(config.auth, { header: 'authorization', token: null });
  t.is(config.fields.max_uri_chars, 4_096);
  t.is(config.stream.max_inflight_batches, 16);
  t.true(config.max_inflight_bytes >= config.max_body_bytes);
  t.is(config.http_server, 'auto');
  t.is(config.max_future_skew_ms, 60_000);
  t.is(config.max_event_age_ms, 86_400_000);
  t.is(config.max_json_depth, 16);
  t.is(config.max_blank_lines, 10_000);
  t.is(config.upload_idle_timeout_ms, 5_000);
  t.is(config.drain_timeout_ms, 30_000);
});

test('unknown keys and bad values are rejected with their path', (t) => {
  t.throws(() => parseConfig(ingestConfigSchema, { prot: 1 }), { code: 'ERR_CONFIG_INVALID' });
  t.throws(() => parseConfig(ingestConfigSchema, { auth: { tokn: 'x' } }), { code: 'ERR_CONFIG_INVALID' });
  t.throws(() => parseConfig(ingestConfigSchema, { ack: 'maybe' }), { code: 'ERR_CONFIG_INVALID' });
  const error = t.throws(() => parseConfig(ingestConfigSchema, { max_body_bytes: 1_000, max_inflight_bytes: 10 }));
  t.regex(error?.message ?? '', /max_inflight_bytes/);
});

test('the auth header name is matched case-insensitively', (t) => {
  t.is(parseConfig(ingestConfigSchema, { auth: { header: 'X-Token', token: 'a' } }).auth.header, 'x-token');
});

test('the README documents every configuration key', (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const json = z.toJSONSchema(ingestConfigSchema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
  const paths: string[] = [];
  const walk = (node: { properties?: Record<string, unknown> }, prefix: string): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      paths.push(path);
      walk(child as { properties?: Record<string, unknown> }, path);
    }
  };
  walk(json, '');
  t.true(paths.length > 20);
  for (const path of paths) t.true(readme.includes(`\`${path}\``), `${path} missing from ingest/README.md`);
});
