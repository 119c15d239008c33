import test from 'ava';
import { z } from 'zod';
import { configFromEnv, mergeConfig, parseConfig } from './config.js';

test('environment variables follow the schema path and parse as JSON when they can', (t) => {
  const env = { BOTSIEVE_INGEST__PORT: '8081', BOTSIEVE_BUS__KAFKA__BROKERS: 'a:1,b:2', BOTSIEVE_LOG_LEVEL: 'debug', BOTSIEVE_DETECT__DETECTORS: '[{"type":"volumetric","id":"x"}]', PATH: '/bin' };
  t.deepEqual(configFromEnv(env), {
    ingest: { port: 8081 },
    bus: { kafka: { brokers: 'a:1,b:2' } },
    log_level: 'debug',
    detect: { detectors: [{ type: 'volumetric', id: 'x' }] },
  });
});

test('merging is deep for objects; arrays and scalars replace', (t) => {
  t.deepEqual(mergeConfig({ a: { b: 1, c: [1, 2] }, d: 'x' }, { a: { c: [3] }, d: 'y' }), { a: { b: 1, c: [3] }, d: 'y' });
  t.deepEqual(mergeConfig({ a: 1 }, undefined), { a: 1 });
});

test('parseConfig lists every problem with its path under one typed error', (t) => {
  const schema = z.object({ port: z.number().int(), nested: z.object({ mode: z.enum(['a', 'b']) }).strict() }).strict();
  const error = t.throws(() => parseConfig(schema, { port: 'x', nested: { mode: 'c', extra: 1 } }), { code: 'ERR_CONFIG_INVALID' });
  t.regex(error?.message ?? '', /port/);
  t.regex(error?.message ?? '', /nested\.mode/);
  t.regex(error?.message ?? '', /nested/);
});
