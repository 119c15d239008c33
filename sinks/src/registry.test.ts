import test from 'ava';
import type { Bus } from '@botsieve/core';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { sinksConfigSchema, type SinksConfig } from './config.js';
import { sinkRegistry, SINK_TYPES, type SinkFactoryContext } from './registry.js';
import { SinkSet } from './service/sink-set.js';

const topics = { events: 'events', verdicts: 'verdicts', deadletter: 'deadletter' };

/** Each run the registry makes for this config and bus kind, as `type sink group [no-deadletters]`, in start order. */
function plan(overrides: Record<string, unknown>, kind: Bus['kind']): string[] {
  const config: SinksConfig = sinksConfigSchema.parse({ group_id_prefix: 'shared', process_group_id_prefix: 'own', ...overrides });
  const bus = { kind, topics } as unknown as Bus;
  const deps = { bus, telemetry: nullTelemetry(), clock: systemClock };
  const set = new SinkSet(config, deps);
  const context: SinkFactoryContext = { config, ...deps, store: set.store, cloudflare: set.cloudflare };
  return SINK_TYPES.flatMap((type) => sinkRegistry[type](context).map((run) => `${type} ${run.sink.id} ${run.options.group_id} ${run.options.topic}${run.deadletters ? '' : ' no-deadletters'}`));
}

test('with nothing configured: memory store, dead-letter file (embedded bus only), Cloudflare lists, local statistics', (t) => {
  t.deepEqual(plan({}, 'embedded'), [
    'memory-verdict-store memory-verdict-store own-memory verdicts',
    'deadletter-file deadletter-file shared-deadletter deadletter no-deadletters',
    'cloudflare-lists cloudflare-lists own-cloudflare-lists verdicts',
    'local-statistics local-statistics-verdicts shared-local-statistics-verdicts verdicts',
    'local-statistics local-statistics-traffic-verdict-feed own-local-statistics-traffic-coverage verdicts',
    'local-statistics local-statistics-traffic shared-local-statistics-traffic events',
  ]);
  t.false(plan({}, 'kafka').some((line) => line.startsWith('deadletter-file')), 'with Kafka the deadletter topic is the record');
});

test('configured targets join in registry order; BigQuery takes the statistics over from the local files', (t) => {
  const lines = plan({ redis_cluster: { nodes: ['127.0.0.1:7000'] }, bigquery: { project_id: 'p', api_endpoint: 'http://127.0.0.1:1' }, pubsub: { project_id: 'p', region: 'europe-west1' } }, 'kafka');
  t.deepEqual(lines.map((line) => line.split(' ').slice(0, 3).join(' ')), [
    'memory-verdict-store memory-verdict-store own-memory',
    'redis-cluster redis-cluster shared-redis-cluster',
    'cloudflare-lists cloudflare-lists own-cloudflare-lists',
    'bigquery bigquery-verdicts shared-bigquery-verdicts',
    'bigquery bigquery-traffic-verdict-feed own-bigquery-traffic-coverage',
    'bigquery bigquery-traffic shared-bigquery-traffic',
    'pubsub pubsub shared-pubsub',
  ]);
});

test("the Cloudflare writer lease: 'redis' needs the Redis Cluster; the sink set hands the sink a lease on the account's key", (t) => {
  const redisLease = { cloudflare_lists: { api_token: 'x', account_id: 'acct', writer_lease: { backend: 'redis' } } };
  const refused = sinksConfigSchema.safeParse(redisLease);
  t.false(refused.success);
  t.deepEqual(refused.error?.issues.map((issue) => issue.path.join('.')), ['cloudflare_lists.writer_lease.backend']);
  const config = sinksConfigSchema.parse({ ...redisLease, redis_cluster: { nodes: ['127.0.0.1:7000'] } });
  const set = new SinkSet(config, { bus: { kind: 'kafka', topics } as unknown as Bus, telemetry: nullTelemetry(), clock: systemClock });
  t.like(set.status().cloudflare_lists, { dry_run: false, writing: false, lease: { backend: 'redis', key: 'botsieve:lease:cloudflare:acct', held: false } });
  // 'none' (the default): no lease, the process with the token always writes, as before.
  t.is(new SinkSet(sinksConfigSchema.parse({}), { bus: { kind: 'embedded', topics } as unknown as Bus, telemetry: nullTelemetry(), clock: systemClock }).status().cloudflare_lists.lease, undefined);
});
