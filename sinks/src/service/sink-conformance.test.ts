import test from 'ava';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Verdict } from '@botsieve/core';
import { ManualClock } from '@botsieve/runtime';
import { DeadletterFile } from '../deadletter-file/deadletter-file.js';
import { MemoryVerdictStore } from '../memory-verdict-store/memory-verdict-store.js';
import { sinkConformance } from './sink-conformance.js';

sinkConformance<Verdict>(test, 'memory-verdict-store', {
  async make() {
    const store = new MemoryVerdictStore({ max_subjects: 1_000, snapshot_path: '', snapshot_interval_ms: 1_000 }, new ManualClock(0));
    return { sink: store, stored: async () => [...store.entries()].map((entry) => entry.verdict.subject) };
  },
  item(i) {
    const verdict: Verdict = { id: `v${i}`, subject: `ip:192.0.2.${i}`, action: 'block', score: 5, ttl_ms: 60_000, decided_at: 1_000, detectors: [] };
    return { value: Buffer.from(JSON.stringify(verdict)), identity: verdict.subject };
  },
  decode: (value) => JSON.parse(value.toString('utf8')) as Verdict,
});

sinkConformance<Buffer>(test, 'deadletter-file', {
  async make() {
    const path = join(await mkdtemp(join(tmpdir(), 'botsieve-conformance-')), 'deadletter.ndjson');
    const sink = new DeadletterFile({ path, max_file_bytes: 1 << 20 });
    const stored = async () => (await readFile(path, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '').map((line) => (JSON.parse(line) as { id: string }).id);
    return { sink, stored };
  },
  item(i) {
    return { value: Buffer.from(JSON.stringify({ id: `dl${i}`, reason: 'invalid_json' })), identity: `dl${i}` };
  },
  decode: (value) => value,
});
