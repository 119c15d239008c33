/**
 * Faults through the real sink runtime (SinkService on the embedded bus): the runtime's retries
 * are what bring the sink through a 429 storm or an outage, so that is what is tested.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import type { Verdict } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import type { CloudflareApiServer } from '@botsieve/testkit';
import { decodeJson, SinkService } from '../service/sink-service.js';
import { CloudflareListsSink } from './cloudflare-lists.js';
import { configFor, LISTS, metric, startServer, until, verdict } from './test-support.js';

async function setup(server: CloudflareApiServer) {
  const telemetry = nullTelemetry();
  const bus = new EmbeddedBus(busConfigSchema.parse({}), telemetry);
  const topic = `verdicts-${randomBytes(4).toString('hex')}`;
  const producer = bus.producer();
  await producer.connect();
  const sink = new CloudflareListsSink(configFor(server), { telemetry: telemetry.component('sink.cloudflare-lists'), clock: systemClock });
  const service = new SinkService<Verdict>(bus, sink, { group_id: `g-${topic}`, topic, decode: decodeJson<Verdict>, max_batch_records: 20 }, { telemetry, clock: systemClock });
  await service.start();
  const produce = async (verdicts: Verdict[]) => {
    const batch = producer.batch();
    for (const item of verdicts) batch.send(topic, item.subject, Buffer.from(JSON.stringify(item)));
    await batch.seal();
  };
  return { telemetry, service, produce };
}

const ips = (count: number, third: number) => Array.from({ length: count }, (_, i) => `198.51.${third}.${i + 1}`);

test('a 429 storm: every verdict lands, retry-after is honoured, never two bulk operations at once', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { service, produce } = await setup(server);
  t.teardown(() => service.close());
  server.rateLimitNext(3, 1);
  const expected = ips(60, 100);
  await produce(expected.map((ip) => verdict(`ip:${ip}`, 'block')));
  await until('all verdicts in the block list', () => server.values(LISTS.block_ip).length === expected.length, 40_000);
  t.deepEqual(server.values(LISTS.block_ip).sort(), [...expected].sort());
  const limited = server.requests.flatMap((request, index) => (request.status === 429 ? [index] : []));
  t.is(limited.length, 3);
  for (const index of limited) {
    const [refused, next] = [server.requests[index], server.requests[index + 1]];
    if (refused === undefined || next === undefined) continue;
    t.true(next.at >= refused.at + 990, `a request ${next.at - refused.at} ms after a 429 with retry-after: 1`);
  }
  t.is(server.concurrent_operation_rejections, 0);
});

test('the API down then back: nothing lost, the pending operation is resumed, not duplicated', async (t) => {
  const server = await startServer();
  t.teardown(() => server.close());
  const { telemetry, service, produce } = await setup(server);
  t.teardown(() => service.close());
  // An operation accepted just before the outage stays pending until after it.
  server.polls_to_complete = 1_000;
  server.auto_complete_ms = 60_000;
  const first = ips(20, 101);
  await produce(first.map((ip) => verdict(`ip:${ip}`, 'block')));
  await until('a bulk operation accepted', () => server.operations_started >= 1);
  await server.stop();
  const second = ips(20, 102);
  await produce(second.map((ip) => verdict(`ip:${ip}`, 'challenge')));
  await until('the outage seen by the runtime', async () => (await metric(telemetry, 'botsieve_errors_total', 'code="ERR_SINK_UNAVAILABLE"')) >= 2);
  server.polls_to_complete = 2;
  await server.restart();
  await until('everything converged', () => server.values(LISTS.block_ip).length === first.length && server.values(LISTS.challenge_ip).length === second.length, 40_000);
  t.deepEqual(server.values(LISTS.block_ip).sort(), [...first].sort());
  t.deepEqual(server.values(LISTS.challenge_ip).sort(), [...second].sort());
  t.is(server.concurrent_operation_rejections, 0);
  const creates = server.requests.filter((request) => request.method === 'POST' && request.status === 201);
  t.is(creates.reduce((sum, request) => sum + request.items, 0), first.length + second.length, 'each item created once: the pending operation was polled to its end, not sent again');
});
