import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@botsieve/runtime';
import { detectConfigSchema, parseDetectConfig } from './config.js';
import { DETECTOR_ERRORS } from './errors.js';
import { registry } from './registry.js';
import { requestRateConfigSchema } from './request-rate/config.js';
import { packageRoot } from './test-support/golden.js';

test('defaults: one request-rate detector in enforce mode, its config validated and filled in', (t) => {
  const config = parseConfig(detectConfigSchema, {});
  t.is(config.allowed_lateness_ms, 5_000);
  t.is(config.flush_interval_ms, 1_000);
  t.is(config.detectors.length, 1);
  t.like(config.detectors[0], { type: 'request-rate', id: 'request-rate', mode: 'enforce' });
  t.like(config.detectors[0]?.config, { window_ms: 10_000, bucket_ms: 1_000, ttl_ms: 600_000 });
});

test('unknown keys are rejected, at the top and inside a detector config', (t) => {
  t.throws(() => parseDetectConfig({ allowed_lateness: 5 }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseDetectConfig({ detectors: [{ type: 'request-rate', id: 'a', extra: 1 }] }), { code: 'ERR_DETECTOR_CONFIG' });
  const error = t.throws(() => parseDetectConfig({ detectors: [{ type: 'request-rate', id: 'ip-flood', config: { subjects: { ipv4: {} } } }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /detector "ip-flood" \(request-rate\)/);
});

test('an invalid detector config is ERR_DETECTOR_CONFIG even through the runtime parseConfig (the CLI path)', (t) => {
  const error = t.throws(() => parseConfig(detectConfigSchema, { detectors: [{ type: 'request-rate', id: 'rr', config: { bucket_ms: 0 } }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /bucket_ms/);
});

test('unknown types, bad ids and duplicate ids are rejected', (t) => {
  t.throws(() => parseDetectConfig({ detectors: [{ type: 'crystal-ball', id: 'a' }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseDetectConfig({ detectors: [{ type: 'request-rate', id: 'Has Spaces' }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseDetectConfig({ detectors: [{ type: 'request-rate', id: 'a' }, { type: 'request-rate', id: 'a' }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseDetectConfig({ detectors: [] }), { code: 'ERR_DETECTOR_CONFIG' });
});

test('the registry is a plain map from type name to factory', (t) => {
  t.deepEqual(Object.keys(registry), ['request-rate']);
  t.is(typeof registry['request-rate'].create, 'function');
  t.is(typeof registry['request-rate'].parseConfig, 'function');
});

const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');

test('README lists every error code', (t) => {
  for (const code of Object.keys(DETECTOR_ERRORS)) t.true(readme.includes(`\`${code}\``), code);
});

test('README documents every config field of the tier and of request-rate', (t) => {
  const fields = [...Object.keys(detectConfigSchema.shape), ...Object.keys(requestRateConfigSchema.shape), ...Object.keys(requestRateConfigSchema.shape.subjects.unwrap().shape.ip.unwrap().shape)];
  for (const field of fields) t.true(readme.includes(`\`${field}\``), field);
});
