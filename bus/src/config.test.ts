import test from 'ava';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { busConfigSchema } from './config.js';
import { BUS_ERRORS, busError } from './errors.js';
import { createBus } from './create-bus.js';
import { nullTelemetry } from '@botsieve/runtime';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function leafPaths(node: { properties?: Record<string, unknown> }, prefix = ''): string[] {
  if (node.properties === undefined) return [prefix];
  return Object.entries(node.properties).flatMap(([key, child]) => leafPaths(child as { properties?: Record<string, unknown> }, prefix === '' ? key : `${prefix}.${key}`));
}

test('defaults are the embedded bus with the documented bounds', (t) => {
  const config = busConfigSchema.parse({});
  t.is(config.kind, 'embedded');
  t.deepEqual(config.topics, { events: 'events', verdicts: 'verdicts', deadletter: 'deadletter', rollups: 'rollups' });
  t.is(config.embedded.max_buffered_bytes, 256 * 1024 * 1024);
  t.is(config.kafka.max_queue_bytes, 256 * 1024 * 1024);
  t.is(config.kafka.acks, 'all');
});

test('unknown keys are rejected at every level, and acks cannot be weakened', (t) => {
  t.false(busConfigSchema.safeParse({ kafka: { broker: 'x:1' } }).success);
  t.false(busConfigSchema.safeParse({ embedded: { partitons: 2 } }).success);
  t.false(busConfigSchema.safeParse({ kafka: { acks: 1 } }).success);
  t.true(busConfigSchema.safeParse({ kafka: { extra: { 'security.protocol': 'ssl', 'socket.keepalive.enable': true } } }).success);
});

test('the README documents every config key and every error code', (t) => {
  const json = z.toJSONSchema(busConfigSchema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown> };
  for (const path of leafPaths(json)) t.true(README.includes(`| \`${path}\` |`), `README lacks ${path}`);
  for (const code of Object.keys(BUS_ERRORS)) t.true(README.includes(`| \`${code}\` |`), `README lacks ${code}`);
});

test('catalogue errors carry their code and retryable flag', (t) => {
  const error = busError('ERR_BUS_DELIVERY', 'x');
  t.is(error.code, 'ERR_BUS_DELIVERY');
  t.true(error.retryable);
  t.false(busError('ERR_BUS_CLOSED', 'x').retryable);
  for (const [code, entry] of Object.entries(BUS_ERRORS)) t.is(entry.code as string, code);
});

test('createBus picks the implementation from kind without connecting', async (t) => {
  const embedded = createBus(busConfigSchema.parse({}), nullTelemetry());
  t.is(embedded.kind, 'embedded');
  const kafka = createBus(busConfigSchema.parse({ kind: 'kafka', kafka: { brokers: '127.0.0.1:1' } }), nullTelemetry());
  t.is(kafka.kind, 'kafka');
  await Promise.all([embedded.close(), kafka.close()]);
});
