/**
 * The decide role: `botsieve start` on the embedded default serves decisions, and a verdict the
 * detectors produce on the bus reaches them.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { encodeVerdict, type Verdict } from '@botsieve/core';
import { EmbeddedBus } from '@botsieve/bus';
import { nullTelemetry } from '@botsieve/runtime';
import { loadConfig } from '../config.js';
import { Pipeline } from '../pipeline.js';

const BIN = fileURLToPath(new URL('../../bin/botsieve.js', import.meta.url));

async function until(what: string, probe: () => boolean | Promise<boolean>, timeout_ms: number): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('botsieve start (embedded default) serves /v1/decision, and a block the detectors produce from a flood reaches it', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'botsieve-decide-'));
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--admin-port', '0', '--decide-port', '0', '--log-level', 'warn'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await until('the start banner', () => /decisions\s+GET http:\/\/localhost:\d+\/v1\/decision/.test(stderr) && /POST http:\/\/localhost:\d+\/logpush/.test(stderr), 30_000);
  const decidePort = Number(/decisions\s+GET http:\/\/localhost:(\d+)\/v1\/decision/.exec(stderr)?.[1]);
  const ingestPort = Number(/POST http:\/\/localhost:(\d+)\/logpush/.exec(stderr)?.[1]);
  t.regex(stderr, /botsieve running \(ingest, detect, sink, decide\)/);
  const decision = async (ip: string) => (await (await fetch(`http://127.0.0.1:${decidePort}/v1/decision?ip=${ip}`)).json()) as { action: string; subject: string | null };

  t.is((await fetch(`http://127.0.0.1:${decidePort}/readyz`)).status, 200);
  t.like(await decision('203.0.113.9'), { action: 'allow', subject: null });

  // The Quick start's flood: 400 requests from one address in one second.
  const now = Math.floor(Date.now() / 1_000);
  const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ RayID: `r${i}`, EdgeStartTimestamp: now, ClientIP: '203.0.113.9', ClientRequestPath: '/' }));
  const upload = await fetch(`http://127.0.0.1:${ingestPort}/logpush`, { method: 'POST', body: gzipSync(`${lines.join('\n')}\n`), headers: { 'content-encoding': 'gzip' } });
  t.is(upload.status, 200);
  await until('the block at the decision service', async () => (await decision('203.0.113.9')).action === 'block', 30_000);
  t.like(await decision('203.0.113.9'), { action: 'block', subject: 'ip:203.0.113.9' });
  t.like(await decision('198.51.100.1'), { action: 'allow' });

  child.kill('SIGTERM');
  t.is(await exited, 0);
});

test('the decide role on its own, on an injected bus: a verdict appended to the verdicts topic is answered by /v1/decision and streamed', async (t) => {
  const config = loadConfig({ flags: { admin: { port: 0 }, decide: { port: 0, host: '127.0.0.1' } } });
  const bus = new EmbeddedBus(config.bus, nullTelemetry());
  t.teardown(() => bus.close());
  const pipeline = new Pipeline(config, { roles: ['decide'], telemetry: nullTelemetry(), bus });
  await pipeline.start();
  t.teardown(() => pipeline.stop(1_000));
  const base = `http://127.0.0.1:${pipeline.decidePort}`;
  const verdict: Verdict = { id: 'v1', subject: 'asn:64500', action: 'challenge', score: 20, ttl_ms: 600_000, decided_at: Date.now(), detectors: [{ id: 'volumetric', score: 0.8, evidence: {} }] };
  const producer = bus.producer();
  const batch = producer.batch();
  t.true(batch.send(bus.topics.verdicts, verdict.subject, encodeVerdict(verdict)));
  await batch.seal();
  await until('the verdict at the decision service', async () => ((await (await fetch(`${base}/v1/decision?ip=192.0.2.1&asn=64500`)).json()) as { action: string }).action === 'challenge', 10_000);
  const stream = await (await fetch(`${base}/v1/verdicts/stream?follow=0`)).text();
  const lines = stream.trim().split('\n').map((line) => JSON.parse(line) as { type: string; verdict?: { subject: string } });
  t.deepEqual(lines.map((line) => line.type), ['snapshot', 'upsert', 'synced']);
  t.is(lines[1]?.verdict?.subject, 'asn:64500');
});
