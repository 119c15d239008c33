/** The local Pub/Sub server's semantics, through raw gRPC clients built from the same official proto. */
import test from 'ava';
import * as grpc from '@grpc/grpc-js';
import { PubSubServer, pubsubProto } from './pubsub-server.js';
import { until } from './promises.js';

interface Received {
  ack_id: string;
  delivery_attempt: number;
  message: { message_id: string; data: Buffer; ordering_key: string };
}

type Client = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

function clients(server: PubSubServer) {
  const v1 = ((pubsubProto().google as grpc.GrpcObject).pubsub as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const credentials = grpc.credentials.createInsecure();
  const publisher = new (v1.Publisher as grpc.ServiceClientConstructor)(server.host, credentials) as Client;
  const subscriber = new (v1.Subscriber as grpc.ServiceClientConstructor)(server.host, credentials) as Client;
  const streams: Array<{ cancel(): void }> = [];
  return {
    publish(topic: string, messages: Array<{ data: string; ordering_key?: string }>): Promise<string[]> {
      return new Promise((resolve, reject) => {
        publisher.Publish!({ topic: `projects/${server.project}/topics/${topic}`, messages: messages.map((m) => ({ ...m, data: Buffer.from(m.data) })) }, (error: grpc.ServiceError | null, response: { message_ids: string[] }) =>
          error ? reject(error) : resolve(response.message_ids));
      });
    },
    /** Opens a streaming pull; `received` fills as messages arrive. */
    pull(subscription: string, options: { ack_deadline_seconds?: number; max_outstanding_messages?: number; protocol_version?: number } = {}) {
      const stream = subscriber.StreamingPull!() as grpc.ClientDuplexStream<unknown, { received_messages: Received[] }>;
      stream.on('error', () => {});
      const received: Received[] = [];
      /** Responses with no message in them (answers to pings). */
      let empty = 0;
      stream.on('data', (response: { received_messages: Received[] }) => {
        if (response.received_messages.length === 0) empty += 1;
        received.push(...response.received_messages);
      });
      stream.write({
        subscription: `projects/${server.project}/subscriptions/${subscription}`, stream_ack_deadline_seconds: options.ack_deadline_seconds ?? 10, max_outstanding_messages: options.max_outstanding_messages ?? 0,
        protocol_version: options.protocol_version ?? 0,
      });
      streams.push(stream);
      const data = (r: Received) => r.message.data.toString();
      return {
        received,
        data: () => received.map(data),
        ack: (...ack_ids: string[]) => stream.write({ ack_ids }),
        nack: (...ack_ids: string[]) => stream.write({ modify_deadline_ack_ids: ack_ids, modify_deadline_seconds: ack_ids.map(() => 0) }),
        find: (payload: string) => received.filter((r) => data(r) === payload),
        /** The client's keepalive: an empty request. */
        ping: () => stream.write({}),
        empty: () => empty,
      };
    },
    close() {
      for (const stream of streams) stream.cancel();
      publisher.close();
      subscriber.close();
    },
  };
}

async function setup(t: { teardown(fn: () => Promise<void> | void): void }) {
  const server = await PubSubServer.start();
  const c = clients(server);
  t.teardown(async () => {
    c.close();
    await server.close();
  });
  server.createTopic('t');
  return { server, c };
}

/** Gives the server time to misbehave before asserting that something did NOT happen. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 250));

test('with ordering a key has one message outstanding: its next goes out only after the ack; other keys are not held up', async (t) => {
  const { server, c } = await setup(t);
  server.createSubscription('ordered', { topic: 't', ordering: true });
  server.createSubscription('unordered', { topic: 't' });
  await c.publish('t', [{ data: 'a1', ordering_key: 'a' }, { data: 'a2', ordering_key: 'a' }, { data: 'b1', ordering_key: 'b' }]);
  const ordered = c.pull('ordered');
  const unordered = c.pull('unordered');
  await until('a1 and b1', () => ordered.received.length === 2);
  await until('all three on the unordered subscription (control)', () => unordered.received.length === 3);
  await settle();
  t.deepEqual(ordered.data(), ['a1', 'b1']);
  ordered.ack(ordered.find('a1')[0]!.ack_id);
  await until('a2 after a1 was acked', () => ordered.received.length === 3);
  t.deepEqual(ordered.data(), ['a1', 'b1', 'a2']);
  t.deepEqual(server.acked('ordered').map((a) => [a.message_id, a.via, a.valid]), [['1', 'stream', true]]);
});

test('an expired or nacked message is redelivered, with a new ack id, before the later messages of its key', async (t) => {
  const { server, c } = await setup(t);
  server.createSubscription('s', { topic: 't', ordering: true, ack_deadline_seconds: 1 });
  await c.publish('t', [{ data: 'a1', ordering_key: 'a' }, { data: 'a2', ordering_key: 'a' }]);
  const pull = c.pull('s', { ack_deadline_seconds: 1 });
  await until('a1 delivered twice (expired after 1 s)', () => pull.find('a1').length === 2);
  t.deepEqual(pull.data(), ['a1', 'a1']);
  const [first, second] = pull.find('a1');
  t.is(second!.delivery_attempt, 2);
  t.not(first!.ack_id, second!.ack_id);
  pull.ack(first!.ack_id);
  pull.ack(second!.ack_id);
  await until('a2 after the valid ack', () => pull.find('a2').length === 1);
  t.deepEqual(server.acked('s').map((a) => a.valid), [false, true]);
  pull.nack(pull.find('a2')[0]!.ack_id);
  await until('a2 redelivered after the nack', () => pull.find('a2').length === 2);
  t.deepEqual(server.modAcks('s').map((m) => [m.message_id, m.seconds]), [['2', 0]]);
  t.deepEqual(server.deliveries('s').map((d) => [d.message_id, d.attempt]), [['1', 1], ['1', 2], ['2', 1], ['2', 2]]);
});

test("a stream's max_outstanding_messages caps what it holds unacknowledged", async (t) => {
  const { server, c } = await setup(t);
  server.createSubscription('s', { topic: 't' });
  await c.publish('t', [1, 2, 3, 4, 5].map((i) => ({ data: `m${i}` })));
  const pull = c.pull('s', { max_outstanding_messages: 2 });
  await until('two delivered', () => pull.received.length === 2);
  await settle();
  t.is(pull.received.length, 2);
  pull.ack(pull.received[0]!.ack_id);
  await until('a third after one ack', () => pull.received.length === 3);
  await settle();
  t.deepEqual(pull.data(), ['m1', 'm2', 'm3']);
  t.deepEqual(server.outstanding('s').sort(), ['2', '3']);
});

test('topics fan out to every subscription; an injected publish failure stores nothing; unknown topics are NOT_FOUND', async (t) => {
  const { server, c } = await setup(t);
  server.createSubscription('one', { topic: 't' });
  server.createSubscription('two', { topic: 't' });
  server.failPublishNext(1, grpc.status.UNAVAILABLE);
  await t.throwsAsync(c.publish('t', [{ data: 'lost' }]), { message: /UNAVAILABLE|injected/ });
  t.deepEqual(server.published('t'), []);
  await c.publish('t', [{ data: 'x', ordering_key: 'k' }]);
  const [message] = server.published('t');
  t.is(message!.data.toString(), 'x');
  t.is(message!.ordering_key, 'k');
  t.true(message!.publish_time_ms > 0);
  const one = c.pull('one');
  const two = c.pull('two');
  await until('both subscriptions receive it', () => one.received.length === 1 && two.received.length === 1);
  const error = await t.throwsAsync(c.publish('missing', [{ data: 'x' }]));
  t.is((error as unknown as grpc.ServiceError).code, grpc.status.NOT_FOUND);
});

test('with protocol_version 1 every ping (an empty request) gets an empty response; without it, none', async (t) => {
  const { server, c } = await setup(t);
  server.createSubscription('s', { topic: 't' });
  const v1 = c.pull('s', { protocol_version: 1 });
  const v0 = c.pull('s');
  v1.ping();
  v1.ping();
  v0.ping();
  await until('both pings answered', () => v1.empty() === 2);
  await settle();
  t.is(v1.empty(), 2);
  t.is(v0.empty(), 0, 'a stream without protocol_version is not answered');
  // An ack is not a ping.
  await c.publish('t', [{ data: 'm' }]);
  await until('m delivered', () => v1.received.length + v0.received.length === 1);
  const holder = v1.received.length === 1 ? v1 : v0;
  holder.ack(holder.received[0]!.ack_id);
  await settle();
  t.is(v1.empty(), 2);
});
