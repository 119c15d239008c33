/**
 * `npm run bench:sinks`: what the verdict sinks cost, each figure beside a baseline measured in
 * the same run. Needs Debian's redis-server, redis-cli and redis-benchmark; everything runs on
 * loopback.
 *
 * 1. Redis Cluster throughput: N distinct verdicts (200,000; `BENCH_REDIS_VERDICTS`) written by
 *    `RedisClusterVerdictStore.writeBatch` in batches of the runtime's default 1,000, one batch
 *    in flight (as one sink consumer), to a real 6-node cluster (3 masters + 3 replicas). Beside:
 *    what a user would write instead, `SET key json PX ttl` per verdict through an auto-pipelined
 *    ioredis Cluster (no compare-and-set, so a weaker verdict overwrites a stronger one; it also
 *    restarts the TTL on every redelivery), in the same batches; the bound through the same
 *    client, `SET` of precomputed keys and values of the sink's value size; and the servers' own
 *    bound, `redis-benchmark --cluster` (a C client, pipelines of 1,000). The three Node cases
 *    run in 4 interleaved rounds of N/4 verdicts and report their best round (the machine is
 *    shared: 6 Redis servers, Node and whatever else runs on 2 cores).
 * 2. Redis latency: verdict on the topic (`seal()` of its producer batch on an EmbeddedBus) to
 *    readable in Redis, through SinkService and the Redis sink. "Readable" is when the sink's
 *    `writeBatch` resolved (every master acknowledged); checked by reading sampled keys right
 *    after, and independently by readers polling GET from the seal until the key appears.
 *    At a steady 5,000 verdicts/s for 10 s (producer batches every 10 ms), and a burst of 50,000
 *    verdicts in one producer batch.
 * 3. Cloudflare latency: block verdicts for distinct IPv4s at 50/s for 20 s through SinkService
 *    and CloudflareListsSink against the local API server; latency is the server's `presentAt`
 *    minus the seal. The server completes a bulk operation at its second poll, so this measures
 *    the sink and its polling, not Cloudflare's own processing time (unknown; not modelled).
 *    Run with the default `operation_poll_interval_ms` (500) and with 100 ms, on the default
 *    4-partition topic, and with 500 ms on a 1-partition topic: the consumer hands the sink one
 *    partition's batch at a time, each waiting for its own sync pass. Beside: a naive
 *    client doing one POST per verdict and polling its operation, whose requests per verdict are
 *    measured and whose time for 1,000 verdicts under Cloudflare's 1,200 requests / 5 min is
 *    computed from that count.
 *
 * Each case stops what it started (cluster, servers, bus) in `finally`.
 */
import { cpus, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { startRedisCluster } from '@botsieve/testkit';
import { CLOUDFLARE_REQUESTS_PER_SECOND, cloudflareLatency, naiveCloudflare, type CloudflareLatencyResult } from './sinks-bench-cloudflare.js';
import { redisLatency, redisThroughput, type LatencyResult } from './sinks-bench-redis.js';
import { fmt, line, ms, progress, row } from './sinks-bench-support.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function machine(): string {
  const redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1] ?? '?';
  return `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, Redis ${redis}; load average at start ${loadavg()[0]?.toFixed(1)} (other work on the machine skews the figures)`;
}

async function redisCases(): Promise<void> {
  const total = Number(process.env.BENCH_REDIS_VERDICTS ?? 200_000);
  progress('starting a 6-node Redis Cluster (3 masters + 3 replicas)…');
  const cluster = await startRedisCluster();
  try {
    const result = await redisThroughput(cluster, total);
    line(`\n## Redis Cluster: verdicts/s (${fmt(total)} distinct verdicts in 4 interleaved rounds, best round; batches of 1,000, one in flight; value ${fmt(result.value_bytes)} bytes)\n`);
    row(['case', 'writes/s', 'vs sink']);
    row(['---', '---:', '---:']);
    row([`sink: RedisClusterVerdictStore.writeBatch (Lua compare-and-set; ${fmt(result.stored.sink)} keys stored)`, fmt(result.sink), '1.00×']);
    row([`baseline: SET key json PX ttl, auto-pipelined (no compare-and-set; ${fmt(result.stored.naive)} keys stored)`, fmt(result.naive), `${(result.naive / result.sink).toFixed(2)}×`]);
    row(['bound, same client: SET of precomputed keys and values, auto-pipelined', fmt(result.pipelined_set), `${(result.pipelined_set / result.sink).toFixed(2)}×`]);
    row(['bound, servers: redis-benchmark --cluster SET, 3 connections × pipeline 1,000', fmt(result.redis_benchmark), `${(result.redis_benchmark / result.sink).toFixed(2)}×`]);
    line(`\nSummary: the sink stores ${fmt(result.sink)} verdicts/s into the cluster, ${(result.sink / result.naive).toFixed(2)}× the rate of plain SETs that would let a weaker verdict overwrite a stronger one; the servers themselves take ${fmt(result.redis_benchmark)} SETs/s of this size.`);

    gc();
    progress('redis latency: steady 5,000/s for 10 s…');
    const steady = await redisLatency(cluster, { key_prefix: 'bench-steady:', total: 50_000, sample_every: 100, poll_ms: 1, produce: 'steady', rate: 5_000 });
    gc();
    progress('redis latency: burst of 50,000…');
    const burst = await redisLatency(cluster, { key_prefix: 'bench-burst:', total: 50_000, sample_every: 2_500, poll_ms: 5, produce: 'burst' });
    line('\n## Redis Cluster: verdict on the topic → readable in Redis (EmbeddedBus → SinkService → sink)\n');
    row(['case', 'verdicts', 'p50 ms', 'p99 ms', 'max ms', 'sampled GET p50 / p99 ms', 'read after write']);
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:']);
    const latencyRow = (name: string, r: LatencyResult) =>
      row([name, fmt(r.verdicts), ms(r.written.p50), ms(r.written.p99), ms(r.written.max), `${ms(r.sampled.p50)} / ${ms(r.sampled.p99)} (${r.sampled.count}, every ${r.poll_ms} ms)`, `${r.confirmed}/${r.checked} found`]);
    latencyRow('steady 5,000/s for 10 s', steady);
    latencyRow('burst: 50,000 in one producer batch', burst);
    line(`\nSummary: at 5,000 verdicts/s a verdict is readable in Redis ${ms(steady.written.p99)} ms after it reached the topic (p99; p50 ${ms(steady.written.p50)} ms); a burst of 50,000 drains in ${ms(burst.written.max)} ms (${fmt(burst.verdicts / (burst.written.max / 1_000))} verdicts/s through bus, runtime and sink).`);
  } finally {
    await cluster.stop();
  }
}

function cloudflareRow(name: string, r: CloudflareLatencyResult): void {
  const rate = r.requests / r.seconds;
  row([name, fmt(r.verdicts), fmt(r.present.p50), fmt(r.present.p99), fmt(r.present.max), `${fmt(r.requests)} (${r.creates} POST, ${r.polls} polls)`, (r.requests / r.verdicts).toFixed(3), `${rate.toFixed(1)} (${Math.round((rate / CLOUDFLARE_REQUESTS_PER_SECOND) * 100)}%)`]);
}

async function cloudflareCases(): Promise<void> {
  progress('cloudflare: 50 verdicts/s for 20 s, default poll interval…');
  const standard = await cloudflareLatency({ rate: 50, seconds: 20 });
  progress('cloudflare: 50 verdicts/s for 20 s, 100 ms poll interval…');
  const quick = await cloudflareLatency({ rate: 50, seconds: 20, poll_interval_ms: 100 });
  progress('cloudflare: 50 verdicts/s for 20 s, default poll interval, one consumer…');
  const oneConsumer = await cloudflareLatency({ rate: 50, seconds: 20, consumers: 1 });
  progress('cloudflare: naive client…');
  const naive = await naiveCloudflare(40, 20);
  line('\n## Cloudflare lists: verdict on the topic → present in the list (local API server, 50 block verdicts/s for 20 s)\n');
  row(['case', 'verdicts', 'p50 ms', 'p99 ms', 'max ms', 'requests', 'requests/verdict', 'requests/s (of 4/s allowed)']);
  row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']);
  cloudflareRow(`sink, operation_poll_interval_ms ${standard.poll_interval_ms} (default), ${standard.consumers} consumers for ${standard.partitions} partitions (default)`, standard);
  cloudflareRow(`sink, operation_poll_interval_ms ${quick.poll_interval_ms}, ${quick.consumers} consumers`, quick);
  cloudflareRow(`sink, operation_poll_interval_ms ${oneConsumer.poll_interval_ms}, 1 consumer for ${oneConsumer.partitions} partitions (one partition's batch at a time)`, oneConsumer);
  row([`baseline: one POST per verdict + polls of its operation (${naive.verdicts} verdicts)`, '', '', '', '', fmt(naive.requests), naive.requests_per_verdict.toFixed(2), `${(naive.requests_per_verdict * 50).toFixed(0)} needed at 50/s`]);
  line(`\nComputed from the measured request counts, under Cloudflare's 1,200 requests / 5 min: 1,000 verdicts take the naive client ${naive.minutes_per_1000.toFixed(1)} min (${((naive.requests_per_verdict * 1_000) / 1_200).toFixed(1)} windows of 5 min); the sink sent ${fmt(standard.requests)} requests for ${fmt(standard.verdicts)} verdicts.`);
  line(
    `\nOne consumer hands the sink one partition's batch at a time and each batch waits for its own sync pass (create + polls), so a verdict waits for up to one pass per partition (p99 ${fmt(oneConsumer.present.p99)} ms); with one consumer per partition the batches arriving during a pass share the next one (p99 ${fmt(standard.present.p99)} ms). Polling every 100 ms sends ${(quick.requests / quick.seconds).toFixed(1)} requests/s while verdicts keep coming: more than Cloudflare's 4/s, so the sink's own budget (1,200 / 5 min) would stop it after ~${fmt(1_200 / (quick.requests / quick.seconds))} s of such traffic.`,
  );
  const rejections = standard.concurrent_operation_rejections + quick.concurrent_operation_rejections + oneConsumer.concurrent_operation_rejections;
  line(`\nSummary: through the sink a verdict is in the Cloudflare list ${fmt(standard.present.p99)} ms after it reached the topic (p99, default polling; ${fmt(quick.present.p99)} ms polling every 100 ms), at ${(standard.requests / standard.verdicts).toFixed(3)} requests per verdict against the naive client's ${naive.requests_per_verdict.toFixed(2)}; ${rejections} bulk operations were refused as concurrent.`);
}

async function main(): Promise<void> {
  line(`\n# Sinks benchmark\n\nMachine: ${machine()}`);
  await redisCases();
  gc();
  await cloudflareCases();
}

await main();
