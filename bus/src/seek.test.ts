/**
 * from_time_ms and offsetsForTime on both buses: a fresh group starts at a point in time, and
 * the end offsets tell a reader when it has caught up with what was there at start.
 */
import test from 'ava';
import type { BusRecord } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import { MOCK_KAFKA_EXTRA, produce, startMockKafka, uniqueName, until, type MockKafka } from '@botsieve/testkit';
import { busConfigSchema } from './config.js';
import { EmbeddedBus } from './embedded/embedded-bus.js';
import { KafkaBus } from './kafka/kafka-bus.js';
import { isSeekableBus, type SeekableBus } from './seek.js';

let cluster: MockKafka | undefined;

test.before(async () => {
  cluster = await startMockKafka();
});

test.after.always(async () => {
  await cluster?.stop();
});

const buses: Array<[string, () => SeekableBus, boolean]> = [
  ['embedded', () => new EmbeddedBus(busConfigSchema.parse({}), nullTelemetry()), true],
  // The mock cluster answers no timestamp lookups: offsetsForTime falls back to the last
  // FALLBACK_RECORDS, which here is everything. The positions must still agree with the consumer's.
  ['kafka', () => new KafkaBus(busConfigSchema.parse({ kind: 'kafka', kafka: { brokers: (cluster as MockKafka).brokers, extra: MOCK_KAFKA_EXTRA } }), nullTelemetry()), false],
];

for (const [kind, makeBus, exactTime] of buses) {
  test(`${kind}: a fresh group with from_time_ms starts where offsetsForTime says, and reads everything appended since`, async (t) => {
    const bus = makeBus();
    t.teardown(() => bus.close());
    t.true(isSeekableBus(bus));
    const topic = uniqueName('seek');
    await produce(bus, topic, Array.from({ length: 6 }, (_, i): [string, string] => [`old-${i}`, `old-${i}`]));
    await new Promise((resolve) => setTimeout(resolve, 30));
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await produce(bus, topic, Array.from({ length: 6 }, (_, i): [string, string] => [`new-${i}`, `new-${i}`]));

    const ranges = await bus.offsetsForTime(topic, since, 10_000);
    t.true(ranges.length > 0);
    t.is(ranges.reduce((sum, range) => sum + range.end, 0), 12, 'the end offsets count every record');
    for (const range of ranges) t.true(range.start <= range.end);
    const remaining = ranges.reduce((sum, range) => sum + range.end - range.start, 0);
    if (exactTime) t.is(remaining, 6, 'exactly the records appended at or after the time');
    else t.true(remaining >= 6);

    const records: BusRecord[] = [];
    const consumer = bus.consumer({ group_id: uniqueName('fresh'), topics: [topic], from: 'latest', from_time_ms: since, max_batch_records: 100 });
    await consumer.start(async (batch) => {
      records.push(...batch);
    });
    t.teardown(() => consumer.close());
    await until('the records from the start positions', () => records.length >= remaining, 30_000);
    const values = records.map((record) => record.value.toString());
    for (let i = 0; i < 6; i++) t.true(values.includes(`new-${i}`), `new-${i} read although from is latest`);
    if (exactTime) t.false(values.some((value) => value.startsWith('old-')), 'nothing appended before the time');
    for (const range of ranges) {
      const first = records.filter((record) => record.partition === range.partition).map((record) => record.offset);
      if (range.start < range.end) t.is(Math.min(...first), range.start, `partition ${range.partition} starts at the looked-up position`);
      else t.is(first.length, 0);
    }
    t.is(records.length, remaining, 'nothing before the start positions, nothing twice');
  });
}
