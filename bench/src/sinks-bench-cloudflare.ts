/**
 * The Cloudflare lists cases of `bench:sinks`: time from verdict on the topic to present in the
 * list, through the sink runtime, against the local API server; and a naive client's request cost.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Cloudflare from 'cloudflare';
import type { Verdict } from '@botsieve/core';
import { busConfigSchema, EmbeddedBus } from '@botsieve/bus';
import { CloudflareListsSink, cloudflareListsConfigSchema, decodeVerdictRecord, SinkService, sinksConfigSchema } from '@botsieve/sinks';
import { CloudflareApiServer } from '@botsieve/testkit';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { benchIp, benchVerdict, percentiles, produceSteadily, until, type Percentiles } from './sinks-bench-support.js';

/** Cloudflare's API limit per token: 1,200 requests per 5 minutes, i.e. 4 per second sustained. */
export const CLOUDFLARE_REQUESTS_PER_SECOND = 1_200 / 300;

export interface CloudflareLatencyResult {
  verdicts: number;
  poll_interval_ms: number;
  partitions: number;
  /** Seal → the server made the item present (its `presentAt`), ms. */
  present: Percentiles;
  /** Requests from the first verdict produced to the last one present. */
  requests: number;
  creates: number;
  polls: number;
  seconds: number;
  concurrent_operation_rejections: number;
  consumers: number;
}

/**
 * Block verdicts for distinct IPv4s at `rate`/s for `seconds`, in producer batches every 100 ms,
 * through EmbeddedBus → SinkService (the runtime's default batch, upkeep interval and back-off)
 * → CloudflareListsSink (its defaults but `operation_poll_interval_ms`) → the local API server,
 * which completes a bulk operation at its second poll (`polls_to_complete: 2`).
 */
export async function cloudflareLatency(options: { rate: number; seconds: number; poll_interval_ms?: number; partitions?: number; consumers?: number }): Promise<CloudflareLatencyResult> {
  const total = options.rate * options.seconds;
  const server = await CloudflareApiServer.start();
  const telemetry = nullTelemetry();
  const busConfig = busConfigSchema.parse({ embedded: options.partitions === undefined ? {} : { partitions: options.partitions } });
  const bus = new EmbeddedBus(busConfig, telemetry);
  const config = cloudflareListsConfigSchema.parse({
    api_token: server.token,
    account_id: server.account_id,
    base_url: server.baseURL,
    create_missing_lists: true,
    ...(options.poll_interval_ms === undefined ? {} : { operation_poll_interval_ms: options.poll_interval_ms }),
  });
  const list = `${config.list_prefix}_block_ip`;
  const sink = new CloudflareListsSink(config, { telemetry: telemetry.component('sink.cloudflare-lists'), clock: systemClock });
  const defaults = sinksConfigSchema.parse({});
  const service = new SinkService<Verdict>(
    bus,
    sink,
    {
      group_id: 'bench-cloudflare',
      topic: bus.topics.verdicts,
      decode: decodeVerdictRecord,
      max_batch_records: defaults.max_batch_records,
      maintain_interval_ms: defaults.maintain_interval_ms,
      retry: { initial_backoff_ms: defaults.initial_retry_backoff_ms, max_backoff_ms: defaults.max_retry_backoff_ms },
      consumers: options.consumers ?? config.consumers,
    },
    { telemetry, clock: systemClock },
  );
  const producer = bus.producer();
  const sealedAt = new Float64Array(total).fill(Number.NaN);
  try {
    await producer.connect();
    await service.start();
    const firstRequest = server.requests.length;
    const started = Date.now();
    const decided_at = Date.now();
    await produceSteadily(producer, bus.topics.verdicts, { total, rate: options.rate, tick_ms: 100, make: (i) => benchVerdict(i, decided_at), sealed: (i) => (sealedAt[i] = Date.now()) });
    let missing = Array.from({ length: total }, (_, i) => i);
    await until('every verdict present in the Cloudflare list', () => (missing = missing.filter((i) => server.presentAt(list, benchIp(i)) === undefined)).length === 0, 60_000, 20);
    const lastPresent = Math.max(...Array.from({ length: total }, (_, i) => server.presentAt(list, benchIp(i)) as number));
    const requests = server.requests.slice(firstRequest).filter((request) => request.at <= lastPresent);
    const latencies = Array.from({ length: total }, (_, i) => (server.presentAt(list, benchIp(i)) as number) - (sealedAt[i] as number));
    return {
      verdicts: total,
      poll_interval_ms: config.operation_poll_interval_ms,
      partitions: busConfig.embedded.partitions,
      consumers: options.consumers ?? config.consumers,
      present: percentiles(latencies),
      requests: requests.length,
      creates: requests.filter((request) => request.method === 'POST' && request.path.endsWith('/items')).length,
      polls: requests.filter((request) => request.path.includes('/bulk_operations/')).length,
      seconds: (lastPresent - started) / 1_000,
      concurrent_operation_rejections: server.concurrent_operation_rejections,
    };
  } finally {
    await service.close();
    await producer.close();
    await bus.close();
    await server.close();
  }
}

export interface NaiveCloudflareResult {
  verdicts: number;
  requests: number;
  requests_per_verdict: number;
  /** Computed: 1,000 verdicts × requests per verdict, at 1,200 requests per 5 minutes. */
  minutes_per_1000: number;
}

/**
 * What a user would write instead: for each verdict one POST of one item, then poll its bulk
 * operation until completed, as the docs ask (Cloudflare refuses a second pending operation
 * with a 429, so the next POST cannot go out before). The SDK with its defaults. The request
 * count does not depend on the poll interval (the server completes at the second poll), so a
 * short one keeps this case quick.
 */
export async function naiveCloudflare(count: number, poll_ms: number): Promise<NaiveCloudflareResult> {
  const server = await CloudflareApiServer.start();
  try {
    const list_id = server.createList('naive_block_ip', 'ip');
    const client = new Cloudflare({ apiToken: server.token, apiKey: null, apiEmail: null, userServiceKey: null, baseURL: server.baseURL });
    const account_id = server.account_id;
    for (let i = 0; i < count; i++) {
      const { operation_id } = await client.rules.lists.items.create(list_id, { account_id, body: [{ ip: benchIp(i), comment: 'blocked by a script' }] });
      for (;;) {
        await sleep(poll_ms);
        const operation = await client.rules.lists.bulkOperations.get(operation_id, { account_id });
        if (operation.status === 'completed') break;
        if (operation.status === 'failed') throw new Error(`naive client: operation failed: ${operation.error}`);
      }
    }
    if (server.values('naive_block_ip').length !== count) throw new Error('naive client: items missing');
    const requests_per_verdict = server.requests.length / count;
    return { verdicts: count, requests: server.requests.length, requests_per_verdict, minutes_per_1000: (1_000 * requests_per_verdict) / CLOUDFLARE_REQUESTS_PER_SECOND / 60 };
  } finally {
    await server.close();
  }
}
