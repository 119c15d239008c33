/**
 * The writer lease on a real Redis Cluster (Debian's redis-server): two Cloudflare sinks, as two
 * pods would run them, against one local Cloudflare API. Each sink has its own SDK client whose
 * requests are recorded, so the test knows which writer sent what and when.
 */
import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { isBotsieveError, type Verdict } from '@botsieve/core';
import { systemClock, type Telemetry } from '@botsieve/runtime';
import { startRedisCluster, type CloudflareApiServer, type TestRedisCluster } from '@botsieve/testkit';
import { LeaseKeeper, LeaseMetrics, RedisWriterLease, renewIntervalMs, safetyMarginMs, type LeaseStatus, type WriterLease } from '../lease/index.js';
import { redisClusterConfigSchema } from '../redis-cluster/config.js';
import { createClient } from './api.js';
import { CloudflareListsSink } from './cloudflare-lists.js';
import type { CloudflareListsConfig } from './config.js';
import { capturingTelemetry, configFor, LISTS, metric, startServer, until, verdict } from './test-support.js';

const TTL = 3_000;

let cluster: TestRedisCluster;
test.before(async () => {
  cluster = await startRedisCluster();
});
test.after.always(async () => {
  await cluster?.stop();
});

interface Sent {
  writer: string;
  method: string;
  path: string;
  start: number;
  end: number;
}

/** A lease whose holder can be cut off from Redis: every store call fails, as in a partition or a frozen process. */
class Severable implements WriterLease {
  cut = false;
  constructor(private readonly inner: WriterLease) {}
  get key(): string {
    return this.inner.key;
  }
  get holder(): string {
    return this.inner.holder;
  }
  connect(): Promise<void> {
    return this.inner.connect();
  }
  acquire(): Promise<boolean> {
    return this.cut ? Promise.reject(new Error('cut off from redis')) : this.inner.acquire();
  }
  renew(): Promise<boolean> {
    return this.cut ? Promise.reject(new Error('cut off from redis')) : this.inner.renew();
  }
  held(): boolean {
    return this.inner.held();
  }
  release(): Promise<void> {
    return this.cut ? Promise.reject(new Error('cut off from redis')) : this.inner.release();
  }
  status(): LeaseStatus {
    return this.inner.status();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Pod {
  name: string;
  /** `down`: this pod's requests to Cloudflare fail as without egress (a network error). */
  egress: { down: boolean };
  sink: CloudflareListsSink;
  lease: Severable;
  telemetry: Telemetry;
  lines: Array<Record<string, unknown>>;
}

/** One "pod": a sink with its own recorded SDK client and its own lease on the shared key. */
function pod(t: ExecutionContext, name: string, config: CloudflareListsConfig, key_prefix: string, sent: Sent[]): Pod {
  const { telemetry, lines } = capturingTelemetry();
  const component = telemetry.component('sink.cloudflare-lists');
  const redis = redisClusterConfigSchema.parse({ nodes: [...cluster.startupNodes], connect_timeout_ms: 10_000 });
  const timing = { ttl_ms: TTL, margin_ms: safetyMarginMs(TTL) };
  const lease = new Severable(new RedisWriterLease(`${key_prefix}cloudflare:${config.account_id}`, `${name}/1`, timing, systemClock, redis, component.log));
  const keeper = new LeaseKeeper(lease, { telemetry: component, metrics: new LeaseMetrics(telemetry, component, 'sink.cloudflare-lists'), clock: systemClock, interval_ms: renewIntervalMs(TTL) });
  const egress = { down: false };
  const client = createClient(config, component.log, async (input: string | URL | Request, init?: RequestInit) => {
    if (egress.down) throw new TypeError('fetch failed');
    const start = Date.now();
    try {
      return await fetch(input, init);
    } finally {
      const url = new URL(input instanceof Request ? input.url : String(input));
      sent.push({ writer: name, method: init?.method ?? 'GET', path: url.pathname, start, end: Date.now() });
    }
  });
  const sink = new CloudflareListsSink(config, { telemetry: component, clock: systemClock, client, lease: keeper });
  t.teardown(() => sink.close());
  return { name, egress, sink, lease, telemetry, lines };
}

const isMutation = (request: Sent) => (request.method === 'POST' || request.method === 'DELETE') && request.path.endsWith('/items');
const isPoll = (request: Sent) => request.path.includes('/bulk_operations/');

/**
 * Each writer's bulk operations as [sent, completed] spans: from the create/delete request to
 * its last poll (a writer polls an operation to its end before sending anything else).
 */
function operationSpans(sent: Sent[]): Array<{ writer: string; start: number; end: number }> {
  const spans: Array<{ writer: string; start: number; end: number }> = [];
  const ordered = [...sent].sort((a, b) => a.start - b.start);
  for (const [index, request] of ordered.entries()) {
    if (!isMutation(request)) continue;
    let end = request.end;
    for (const later of ordered.slice(index + 1)) {
      if (later.writer !== request.writer) continue;
      if (isMutation(later)) break;
      if (isPoll(later)) end = later.end;
    }
    spans.push({ writer: request.writer, start: request.start, end });
  }
  return spans;
}

function assertNoOverlap(t: ExecutionContext, server: CloudflareApiServer, sent: Sent[]): void {
  const spans = operationSpans(sent);
  for (const a of spans) for (const b of spans) if (a.writer !== b.writer) t.true(a.end <= b.start || b.end <= a.start, `${a.writer} [${a.start}, ${a.end}] overlaps ${b.writer} [${b.start}, ${b.end}]`);
  t.is(server.concurrent_operation_rejections, 0, 'the API never refused a second pending bulk operation');
}

/** What the sink runtime does: retry a retryable failure (a lease lost mid-pass) until the batch is taken. */
async function deliver(sink: CloudflareListsSink, batch: Verdict[]): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await sink.writeBatch(batch);
    } catch (error) {
      if (!isBotsieveError(error) || !error.retryable || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

async function both(pods: Pod[], batch: Verdict[]): Promise<void> {
  await Promise.all(pods.map((p) => deliver(p.sink, batch)));
}

async function setup(t: ExecutionContext, lease: Record<string, unknown> = {}) {
  const server = await startServer();
  t.teardown(() => server.close());
  const config = configFor(server, { writer_lease: { backend: 'redis', ttl_ms: TTL, ...lease } });
  const key_prefix = `t${randomBytes(4).toString('hex')}:lease:`;
  const sent: Sent[] = [];
  const a = pod(t, 'pod-a', config, key_prefix, sent);
  await a.sink.connect();
  const b = pod(t, 'pod-b', config, key_prefix, sent);
  await b.sink.connect();
  return { server, sent, a, b };
}

test.serial('only the lease holder writes; the standby computes the same changes and sends none', async (t) => {
  const { server, sent, a, b } = await setup(t);
  t.like(a.sink.status(), { writing: true, lease: { backend: 'redis', held: true, holder: 'pod-a/1' } });
  t.like(b.sink.status(), { writing: false, lease: { held: false, holder: 'pod-a/1' } });
  await both([a, b], [verdict('ip:192.0.2.1', 'block'), verdict('asn:64500', 'challenge')]);
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.1']);
  t.deepEqual(server.values(LISTS.challenge_asn), ['64500']);
  t.is(sent.filter((request) => request.writer === 'pod-b' && isMutation(request)).length, 0, 'the standby sent no bulk operation');
  t.true(sent.some((request) => request.writer === 'pod-a' && isMutation(request)));
  t.true(b.lines.some((line) => String(line.message).startsWith('standby (another process holds the writer lease): would change')));
  t.is(b.sink.status().desired, a.sink.status().desired, 'both hold the whole desired state');
  t.is(await metric(a.telemetry, 'botsieve_writer_lease_held'), 1);
  t.is(await metric(b.telemetry, 'botsieve_writer_lease_held'), 0);
  assertNoOverlap(t, server, sent);
});

test.serial('a holder cut off from Redis stops writing before its lease expires; the standby takes over after the ttl, reads the lists, then writes', async (t) => {
  const { server, sent, a, b } = await setup(t);
  await both([a, b], [verdict('ip:192.0.2.10', 'block')]);
  a.lease.cut = true;
  const cut_at = Date.now();
  // Verdicts keep coming to both during the handover, as they would from the topic.
  let taken_at: number | undefined;
  let lost_at: number | undefined;
  for (let i = 0; taken_at === undefined || Date.now() - taken_at < 500; i++) {
    t.true(Date.now() - cut_at < TTL + renewIntervalMs(TTL) + 3_000, 'taken over within ttl + one renew interval (+ slack)');
    await both([a, b], [verdict(`ip:198.51.100.${i + 1}`, 'block')]);
    if (lost_at === undefined && !a.sink.status().writing) lost_at = Date.now();
    if (taken_at === undefined && b.sink.status().writing) taken_at = Date.now();
    t.false(a.sink.status().writing && b.sink.status().writing, 'never two writers');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.true((lost_at as number) <= (taken_at as number), 'the old holder stopped first');
  t.true((taken_at as number) - cut_at >= TTL - renewIntervalMs(TTL) - safetyMarginMs(TTL), 'not before the lease could lapse');
  const desired = b.sink.status().desired;
  await until('the new writer to push everything', async () => server.values(LISTS.block_ip).length === desired);
  t.true(server.values(LISTS.block_ip).includes('192.0.2.10'), 'what the old writer wrote is adopted, not lost');

  const firstByB = sent.find((request) => request.writer === 'pod-b' && isMutation(request)) as Sent;
  t.truthy(firstByB);
  t.true(sent.some((request) => request.writer === 'pod-b' && request.method === 'GET' && request.path.endsWith('/items') && request.start >= (taken_at as number) - renewIntervalMs(TTL) && request.end <= firstByB.start), 'read the lists after taking over, before writing');
  const lastByA = sent.filter((request) => request.writer === 'pod-a' && isMutation(request)).at(-1) as Sent;
  t.true(lastByA.start < firstByB.start);
  t.true(lastByA.start < cut_at + TTL - safetyMarginMs(TTL), 'the old holder sent nothing once its grant ran out');
  t.true(a.lines.some((line) => line.message === 'writer lease lost: this process stops writing (standby)'));
  t.true(b.lines.some((line) => line.message === 'writer lease acquired: this process writes now'));
  t.is(await metric(a.telemetry, 'botsieve_writer_lease_transitions_total', 'transition="lost"'), 1);
  assertNoOverlap(t, server, sent);
});

test.serial('a holder that closes releases the lease: the standby takes over within one renew interval, well before a lapse', async (t) => {
  const { server, sent, a, b } = await setup(t);
  await both([a, b], [verdict('ip:192.0.2.20', 'block')]);
  const closed_at = Date.now();
  await a.sink.close();
  t.like(a.sink.status(), { writing: false });
  t.is(await metric(a.telemetry, 'botsieve_writer_lease_transitions_total', 'transition="released"'), 1);
  await until('the standby to take over', async () => b.sink.status().writing);
  const took_ms = Date.now() - closed_at;
  t.true(took_ms < TTL - safetyMarginMs(TTL), `took ${took_ms} ms`);
  await deliver(b.sink, [verdict('ip:192.0.2.21', 'block')]);
  t.deepEqual(server.values(LISTS.block_ip), ['192.0.2.20', '192.0.2.21']);
  t.true(sent.some((request) => request.writer === 'pod-b' && isMutation(request)));
  assertNoOverlap(t, server, sent);
});

test.serial('a holder that cannot reach Cloudflare steps down after step_down_after_ms; the standby takes over and writes', async (t) => {
  const STEP_DOWN = 600;
  const { server, sent, a, b } = await setup(t, { step_down_after_ms: STEP_DOWN });
  await both([a, b], [verdict('ip:192.0.2.30', 'block')]);
  a.egress.down = true;
  const down_at = Date.now();
  let taken_at: number | undefined;
  for (let i = 0; taken_at === undefined; i++) {
    t.true(Date.now() - down_at < STEP_DOWN + TTL + 3_000, 'taken over within the step-down delay and a renew interval (+ slack)');
    const batch = [verdict(`ip:198.51.100.${100 + i}`, 'block')];
    await a.sink.writeBatch(batch).catch(() => undefined);
    await deliver(b.sink, batch);
    if (b.sink.status().writing) taken_at = Date.now();
    t.false(a.sink.status().writing && b.sink.status().writing, 'never two writers');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.true((taken_at as number) - down_at >= STEP_DOWN, 'not before the holder had failed for step_down_after_ms');
  t.true(a.lines.some((line) => line.message === 'writer lease given up: this process cannot write; a peer takes over'));
  t.is(await metric(a.telemetry, 'botsieve_writer_lease_transitions_total', 'transition="released"'), 1);
  const desired = b.sink.status().desired;
  await until('the new writer to push everything', async () => server.values(LISTS.block_ip).length === desired);
  // The old holder stays out of the election while the new one holds the lease.
  await new Promise((resolve) => setTimeout(resolve, TTL));
  t.like(a.sink.status(), { writing: false, lease: { held: false, holder: 'pod-b/1' } });
  t.true(b.sink.status().writing);
  assertNoOverlap(t, server, sent);
});
