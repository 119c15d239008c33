import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '@botsieve/runtime';
import { detectConfigSchema, parseDetectConfig } from './config.js';
import { DETECTOR_ERRORS } from './errors.js';
import { registry } from './registry.js';
import { packageRoot } from './test-support/golden.js';

test('defaults: every detector type once, in enforce mode, each config validated and filled in', (t) => {
  const config = parseConfig(detectConfigSchema, {});
  t.is(config.allowed_lateness_ms, 5_000);
  t.is(config.max_future_skew_ms, 1_000, 'below the lateness: a forged future timestamp cannot make real-time events late');
  t.is(config.flush_interval_ms, 1_000);
  t.is(config.aggregation, 'auto');
  t.deepEqual(
    config.detectors.map((d) => [d.type, d.id, d.mode]),
    Object.keys(registry).map((type) => [type, type, 'enforce']),
  );
  t.like(config.detectors.find((d) => d.type === 'volumetric')?.config, { window_ms: 10_000 });
  t.is(config.fusion.block_score_max, 10);
  t.true(config.classify.login_paths.includes('/login'));
});

test('unknown keys are rejected, at the top and inside a detector config', (t) => {
  t.throws(() => parseDetectConfig({ allowed_lateness: 5 }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseDetectConfig({ detectors: [{ type: 'volumetric', id: 'a', extra: 1 }] }), { code: 'ERR_DETECTOR_CONFIG' });
  const error = t.throws(() => parseDetectConfig({ detectors: [{ type: 'volumetric', id: 'ip-flood', config: { subjects: { ipv4: {} } } }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /detector "ip-flood" \(volumetric\)/);
  t.throws(() => parseDetectConfig({ fusion: { block_score_max: 40 } }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseDetectConfig({ max_future_skew_ms: -1 }), { code: 'ERR_DETECTOR_CONFIG' });
});

test('an invalid detector config is ERR_DETECTOR_CONFIG even through the runtime parseConfig (the CLI path)', (t) => {
  const error = t.throws(() => parseConfig(detectConfigSchema, { detectors: [{ type: 'volumetric', id: 'v', config: { step_ms: 0 } }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /step_ms/);
});

test('a rule that does not compile fails at boot with its position', (t) => {
  const error = t.throws(() => parseDetectConfig({ detectors: [{ type: 'heuristics', id: 'h', config: { rules: [{ id: 'r', expression: 'http.request.uri.path contains', score: 5, action: 'block' }] } }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.regex(error?.message ?? '', /detector "h" \(heuristics\)/);
});

test('unknown types, bad ids and duplicate ids are rejected', (t) => {
  t.throws(() => parseDetectConfig({ detectors: [{ type: 'crystal-ball', id: 'a' }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseDetectConfig({ detectors: [{ type: 'volumetric', id: 'Has Spaces' }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseDetectConfig({ detectors: [{ type: 'volumetric', id: 'a' }, { type: 'probing', id: 'a' }] }), { code: 'ERR_DETECTOR_CONFIG' });
  t.throws(() => parseDetectConfig({ detectors: [] }), { code: 'ERR_DETECTOR_CONFIG' });
});

test('the registry is a plain map from type name to factory', (t) => {
  t.deepEqual(Object.keys(registry), ['heuristics', 'volumetric', 'l7-flood', 'scraping', 'credential-stuffing', 'probing', 'load-bucket', 'attack-signatures', 'address-bursts', 'inventory-hoarding']);
  for (const factory of Object.values(registry)) {
    t.is(typeof factory.create, 'function');
    t.is(typeof factory.parseConfig, 'function');
    t.is(typeof factory.lookbackMs, 'function');
  }
});

const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');

test('README lists every error code', (t) => {
  for (const code of Object.keys(DETECTOR_ERRORS)) t.true(readme.includes(`\`${code}\``), code);
});

test('README documents every config field of the tier', (t) => {
  for (const field of Object.keys(detectConfigSchema.shape)) t.true(readme.includes(`\`${field}\``), field);
});
