/**
 * Child process of the ingest benchmark: runs one server (IngestServer on uWebSockets.js or on
 * its node:http fallback, or the plain node:http baseline) on one bus, so the parent can read this
 * process's CPU time on its own.
 *
 * argv: <uws|node-server|node-http> <durable|enqueued> <embedded|kafka> [brokers]
 * IPC: sends {type:'ready', port}; answers {type:'cpu'} with {type:'cpu', usage, rss}.
 */
import { randomUUID } from 'node:crypto';
import type { BusConsumer } from '@botsieve/core';
import { busConfigSchema, createBus } from '@botsieve/bus';
import { Telemetry, parseConfig } from '@botsieve/runtime';
import { IngestServer, ingestConfigSchema } from '@botsieve/ingest';
import { startNodeHttpBaseline } from './node-http-baseline.js';

const [mode = 'uws', ackArgument = 'durable', kind = 'embedded', brokers = 'localhost:9092'] = process.argv.slice(2);
const ack = ackArgument === 'enqueued' ? 'enqueued' : 'durable';
const id = randomUUID().slice(0, 8);
const telemetry = new Telemetry({ level: 'error' });
const bus = createBus(busConfigSchema.parse({ kind, topics: { events: `bench-events-${id}`, verdicts: `bench-verdicts-${id}`, deadletter: `bench-deadletter-${id}`, rollups: `bench-rollups-${id}` }, kafka: { brokers } }), telemetry);
const producer = bus.producer();
await producer.connect();

// The embedded bus keeps what no group committed: a no-op group drains it (its CPU is counted).
let drain: BusConsumer | null = null;
if (kind === 'embedded') {
  drain = bus.consumer({ group_id: 'bench-drain', topics: [bus.topics.events, bus.topics.deadletter], from: 'earliest', max_batch_records: 10_000 });
  await drain.start(async () => {});
}

let close: () => Promise<void>;
let port: number;
if (mode === 'uws' || mode === 'node-server') {
  const config = parseConfig(ingestConfigSchema, { host: '127.0.0.1', port: 0, ack, http_server: mode === 'uws' ? 'uwebsockets' : 'node' });
  const server = new IngestServer(config, { producer, topics: bus.topics, telemetry });
  port = await server.listen();
  close = async () => {
    await server.drain(15_000);
    await server.close();
  };
} else {
  const baseline = await startNodeHttpBaseline(producer, bus.topics, ack);
  port = baseline.port;
  close = async () => {
    baseline.server.closeAllConnections();
    baseline.server.close();
    await producer.flush(15_000);
  };
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage(), rss: process.memoryUsage.rss() });
  if (message.type === 'stop') {
    void (async () => {
      await close();
      await drain?.close();
      await producer.close();
      await bus.close();
      process.exit(0);
    })();
  }
});
process.send?.({ type: 'ready', port });
