/**
 * A local Pub/Sub server for tests: gRPC on 127.0.0.1, built from the official `pubsub.proto`
 * shipped in `@google-cloud/pubsub`, so the real client talks to it unchanged (point the client's
 * `apiEndpoint` at `host`; it then uses plain gRPC without credentials).
 *
 * Semantics kept from the service: topics fan out to the subscriptions that existed when a message
 * was published; each delivery gets a fresh ack id; an unacknowledged delivery is redelivered after
 * its ack deadline, a nack (deadline 0) at once; with `ordering` a key has at most one message
 * outstanding, so its next message goes out only after the previous one was acknowledged, and a
 * nacked or expired one is redelivered before anything published after it. Every Acknowledge and
 * ModifyAckDeadline (unary or inside the stream) is recorded with its time, so tests can assert
 * that nothing was acknowledged before it was applied. A stream opened with `protocol_version` 1
 * (client v6) has each empty request (the client's ping, every 30 s) answered with an empty
 * response: the client restarts a stream whose ping goes unanswered for 15 s.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface PublishedMessage {
  message_id: string;
  data: Buffer;
  attributes: Record<string, string>;
  ordering_key: string;
  publish_time_ms: number;
}

/** One ack id in an Acknowledge, or in a stream request's `ack_ids`. `valid` is false for an unknown or expired ack id. */
export interface AckRecord {
  ack_id: string;
  message_id: string | undefined;
  at_ms: number;
  via: 'rpc' | 'stream';
  valid: boolean;
}

/** One ack id in a ModifyAckDeadline (or a stream's `modify_deadline_ack_ids`); `seconds` 0 is a nack. */
export interface ModAckRecord extends AckRecord {
  seconds: number;
}

/** `attempt` is 1 for the first delivery, 2 for the first redelivery, … */
export interface DeliveryRecord { message_id: string; ack_id: string; attempt: number; at_ms: number }

export interface SubscriptionOptions {
  topic: string;
  /** `enable_message_ordering`. */
  ordering?: boolean;
  ack_deadline_seconds?: number;
}

interface Pending { seq: number; message: PublishedMessage; attempts: number }
interface Lease { pending: Pending; ack_id: string; deadline_ms: number; stream: StreamState }
/** One StreamingPull call; `max_outstanding` 0 = unlimited. */
interface StreamState { call: grpc.ServerDuplexStream<StreamingPullRequest, unknown>; ack_deadline_seconds: number; max_outstanding: number; outstanding: number; answers_pings: boolean }

interface SubscriptionState {
  name: string;
  topic: string;
  ordering: boolean;
  ack_deadline_seconds: number;
  /** Undelivered messages (and redeliveries), kept in publish order. */
  backlog: Pending[];
  leases: Map<string, Lease>;
  /** Ordering keys with a message outstanding. */
  busy_keys: Set<string>;
  streams: Set<StreamState>;
  acks: AckRecord[];
  mod_acks: ModAckRecord[];
  deliveries: DeliveryRecord[];
}

/** The fields of `StreamingPullRequest` used here (snake_case: the protos load with `keepCase`). */
interface StreamingPullRequest {
  subscription: string; ack_ids: string[]; modify_deadline_seconds: number[]; modify_deadline_ack_ids: string[]; stream_ack_deadline_seconds: number; max_outstanding_messages: string;
  /** Int64 as a string (`longs: String`); "0" when the client did not set it. */
  protocol_version: string;
}

interface PublishFailure { code: grpc.status; match: ((message: PublishedMessage) => boolean) | undefined }

const EXPIRY_SWEEP_MS = 20;
const MAX_MESSAGES_PER_RESPONSE = 1_000;

const require = createRequire(import.meta.url);

/** The official Pub/Sub protos as a gRPC package (also for raw clients in tests). */
export function pubsubProto(): grpc.GrpcObject {
  const pubsubRoot = join(dirname(require.resolve('@google-cloud/pubsub')), '..', '..');
  // google/api and google/protobuf come with google-gax, the client's own dependency.
  const gaxRoot = join(dirname(createRequire(join(pubsubRoot, 'package.json')).resolve('google-gax')), '..', '..');
  const definition = protoLoader.loadSync('google/pubsub/v1/pubsub.proto', {
    includeDirs: [join(pubsubRoot, 'build', 'protos'), join(gaxRoot, 'build', 'protos')], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
  });
  return grpc.loadPackageDefinition(definition);
}

export class PubSubServer {
  /** `127.0.0.1:<port>`: the client's `apiEndpoint` / `emulator_host`. */
  host = '';
  private readonly server = new grpc.Server();
  private readonly topics = new Map<string, PublishedMessage[]>();
  private readonly subscriptions = new Map<string, SubscriptionState>();
  private readonly failures: PublishFailure[] = [];
  private readonly dirty = new Set<SubscriptionState>();
  private sweep: NodeJS.Timeout | undefined;
  private dispatchScheduled = false;
  private seq = 0;
  private ackSeq = 0;

  private constructor(readonly project: string) {}

  static async start(project = 'test-project'): Promise<PubSubServer> {
    const server = new PubSubServer(project);
    await server.listen();
    return server;
  }

  // ---- admin helpers for tests -------------------------------------------------------------

  /** Creates a topic (short id or full name) and returns its full name. */
  createTopic(name: string): string {
    const full = this.fullName('topics', name);
    if (!this.topics.has(full)) this.topics.set(full, []);
    return full;
  }

  createSubscription(name: string, options: SubscriptionOptions): string {
    const full = this.fullName('subscriptions', name);
    const topic = this.fullName('topics', options.topic);
    if (!this.topics.has(topic)) throw new Error(`no topic ${topic}`);
    this.subscriptions.set(full, {
      name: full, topic, ordering: options.ordering ?? false, ack_deadline_seconds: options.ack_deadline_seconds ?? 10,
      backlog: [], leases: new Map(), busy_keys: new Set(), streams: new Set(), acks: [], mod_acks: [], deliveries: [],
    });
    return full;
  }

  /** Messages the topic accepted, in publish order. */
  published(topic: string): PublishedMessage[] {
    return [...(this.topics.get(this.fullName('topics', topic)) ?? [])];
  }

  /** Every ack id acknowledged on the subscription, in arrival order, valid or not. */
  acked(subscription: string): AckRecord[] { return [...this.subscription(subscription).acks]; }
  /** Every deadline modification (receipt modAcks, lease extensions, nacks as `seconds` 0). */
  modAcks(subscription: string): ModAckRecord[] { return [...this.subscription(subscription).mod_acks]; }
  deliveries(subscription: string): DeliveryRecord[] { return [...this.subscription(subscription).deliveries]; }

  /** Messages delivered and neither acknowledged, nacked nor expired yet. */
  outstanding(subscription: string): string[] {
    return [...this.subscription(subscription).leases.values()].map((lease) => lease.pending.message.message_id);
  }

  /**
   * The next `count` Publish calls fail with `code` and store nothing. With `match`, only calls
   * carrying a message it matches count (and fail); others pass.
   */
  failPublishNext(count: number, code: grpc.status, match?: (message: PublishedMessage) => boolean): void {
    for (let i = 0; i < count; i += 1) this.failures.push({ code, match });
  }

  async close(): Promise<void> {
    clearInterval(this.sweep);
    for (const subscription of this.subscriptions.values()) for (const stream of subscription.streams) stream.call.end();
    // A client still connected would keep tryShutdown waiting: force after a second.
    const force = setTimeout(() => this.server.forceShutdown(), 1_000);
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    clearTimeout(force);
  }

  // ---- gRPC ----------------------------------------------------------------------------------

  private async listen(): Promise<void> {
    const v1 = ((pubsubProto().google as grpc.GrpcObject).pubsub as grpc.GrpcObject).v1 as grpc.GrpcObject;
    this.server.addService((v1.Publisher as grpc.ServiceClientConstructor).service, {
      Publish: this.unary((request: { topic: string; messages: Array<Partial<PublishedMessage>> }) => this.publish(request)),
      CreateTopic: this.unary((request: { name: string }) => ({ name: this.createTopic(request.name) })),
      GetTopic: this.unary((request: { topic: string }) => {
        if (!this.topics.has(request.topic)) throw status(grpc.status.NOT_FOUND, `Topic not found: ${request.topic}`);
        return { name: request.topic };
      }),
    });
    this.server.addService((v1.Subscriber as grpc.ServiceClientConstructor).service, {
      CreateSubscription: this.unary((request: { name: string; topic: string; enable_message_ordering: boolean; ack_deadline_seconds: number }) => {
        if (!this.topics.has(request.topic)) throw status(grpc.status.NOT_FOUND, `Topic not found: ${request.topic}`);
        this.createSubscription(request.name, { topic: request.topic, ordering: request.enable_message_ordering, ack_deadline_seconds: request.ack_deadline_seconds || 10 });
        return this.describe(this.subscription(request.name));
      }),
      GetSubscription: this.unary((request: { subscription: string }) => this.describe(this.subscription(request.subscription))),
      Acknowledge: this.unary((request: { subscription: string; ack_ids: string[] }) => {
        this.acknowledge(this.subscription(request.subscription), request.ack_ids, 'rpc');
        return {};
      }),
      ModifyAckDeadline: this.unary((request: { subscription: string; ack_ids: string[]; ack_deadline_seconds: number }) => {
        const subscription = this.subscription(request.subscription);
        for (const ack_id of request.ack_ids) this.modifyDeadline(subscription, ack_id, request.ack_deadline_seconds, 'rpc');
        return {};
      }),
      StreamingPull: (call: grpc.ServerDuplexStream<StreamingPullRequest, unknown>) => this.streamingPull(call),
    });
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
    });
    this.host = `127.0.0.1:${port}`;
    this.sweep = setInterval(() => this.expireLeases(), EXPIRY_SWEEP_MS);
    this.sweep.unref();
  }

  /** Adapts a handler that returns a response or throws a gRPC status. */
  private unary<Req, Res>(handler: (request: Req) => Res): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      try {
        callback(null, handler(call.request));
      } catch (error) {
        callback(error as grpc.ServiceError);
      }
    };
  }

  private publish(request: { topic: string; messages: Array<Partial<PublishedMessage>> }): { message_ids: string[] } {
    const log = this.topics.get(request.topic);
    if (log === undefined) throw status(grpc.status.NOT_FOUND, `Topic not found: ${request.topic}`);
    const now = Date.now();
    const messages = request.messages.map((m): PublishedMessage => ({
      message_id: '', data: Buffer.from(m.data ?? Buffer.alloc(0)), attributes: { ...(m.attributes ?? {}) }, ordering_key: m.ordering_key ?? '', publish_time_ms: now,
    }));
    const failure = this.failures.findIndex((f) => f.match === undefined || messages.some(f.match));
    if (failure >= 0) {
      const [injected] = this.failures.splice(failure, 1);
      throw status(injected!.code, 'injected publish failure');
    }
    for (const message of messages) {
      if (message.data.length === 0 && Object.keys(message.attributes).length === 0) throw status(grpc.status.INVALID_ARGUMENT, 'message without data or attributes');
    }
    const subscribers = [...this.subscriptions.values()].filter((s) => s.topic === request.topic);
    for (const message of messages) {
      this.seq += 1;
      message.message_id = String(this.seq);
      log.push(message);
      for (const subscription of subscribers) subscription.backlog.push({ seq: this.seq, message, attempts: 0 });
    }
    for (const subscription of subscribers) this.schedule(subscription);
    return { message_ids: messages.map((m) => m.message_id) };
  }

  private streamingPull(call: grpc.ServerDuplexStream<StreamingPullRequest, unknown>): void {
    let stream: StreamState | undefined;
    let subscription: SubscriptionState | undefined;
    const detach = () => {
      if (stream !== undefined) subscription?.streams.delete(stream);
      stream = undefined;
    };
    call.on('data', (request: StreamingPullRequest) => {
      if (stream === undefined) {
        subscription = this.subscriptions.get(request.subscription);
        if (subscription === undefined) {
          call.emit('error', status(grpc.status.NOT_FOUND, `Subscription not found: ${request.subscription}`));
          return;
        }
        stream = { call, ack_deadline_seconds: request.stream_ack_deadline_seconds || subscription.ack_deadline_seconds, max_outstanding: Number(request.max_outstanding_messages) || 0, outstanding: 0, answers_pings: Number(request.protocol_version) >= 1 };
        subscription.streams.add(stream);
      } else if (request.stream_ack_deadline_seconds > 0) {
        stream.ack_deadline_seconds = request.stream_ack_deadline_seconds;
      } else if (stream.answers_pings && request.ack_ids.length === 0 && request.modify_deadline_ack_ids.length === 0) {
        call.write({ received_messages: [] });
      }
      const target = subscription!;
      if (request.ack_ids.length > 0) this.acknowledge(target, request.ack_ids, 'stream');
      request.modify_deadline_ack_ids.forEach((ack_id, i) => this.modifyDeadline(target, ack_id, request.modify_deadline_seconds[i] ?? 0, 'stream'));
      this.schedule(target);
    });
    call.on('end', () => {
      detach();
      call.end();
    });
    call.on('cancelled', detach);
    call.on('error', detach);
  }

  // ---- delivery ------------------------------------------------------------------------------

  private schedule(subscription: SubscriptionState): void {
    this.dirty.add(subscription);
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      const dirty = [...this.dirty];
      this.dirty.clear();
      for (const s of dirty) this.dispatch(s);
    });
  }

  /** Hands eligible backlog messages, in publish order, to streams with room (round robin). */
  private dispatch(subscription: SubscriptionState): void {
    const streams = [...subscription.streams];
    if (streams.length === 0 || subscription.backlog.length === 0) return;
    const batches = new Map<StreamState, unknown[]>();
    const remaining: Pending[] = [];
    let next = 0;
    const now = Date.now();
    for (const pending of subscription.backlog) {
      const key = subscription.ordering ? pending.message.ordering_key : '';
      const stream = key !== '' && subscription.busy_keys.has(key) ? undefined : this.pickStream(streams, next, batches);
      if (stream === undefined) {
        remaining.push(pending);
        continue;
      }
      next = streams.indexOf(stream) + 1;
      this.ackSeq += 1;
      const ack_id = `${subscription.name}/${this.ackSeq}`;
      pending.attempts += 1;
      subscription.leases.set(ack_id, { pending, ack_id, deadline_ms: now + stream.ack_deadline_seconds * 1_000, stream });
      if (key !== '') subscription.busy_keys.add(key);
      stream.outstanding += 1;
      subscription.deliveries.push({ message_id: pending.message.message_id, ack_id, attempt: pending.attempts, at_ms: now });
      const message = pending.message;
      const received = { ack_id, delivery_attempt: pending.attempts, message: { ...message, publish_time: { seconds: Math.floor(message.publish_time_ms / 1_000), nanos: (message.publish_time_ms % 1_000) * 1e6 } } };
      let batch = batches.get(stream);
      if (batch === undefined) batches.set(stream, (batch = []));
      batch.push(received);
    }
    subscription.backlog = remaining;
    const properties = { exactly_once_delivery_enabled: false, message_ordering_enabled: subscription.ordering };
    for (const [stream, received_messages] of batches) stream.call.write({ received_messages, subscription_properties: properties });
  }

  private pickStream(streams: StreamState[], start: number, batches: Map<StreamState, unknown[]>): StreamState | undefined {
    for (let i = 0; i < streams.length; i += 1) {
      const stream = streams[(start + i) % streams.length]!;
      const room = stream.max_outstanding === 0 || stream.outstanding < stream.max_outstanding;
      if (room && (batches.get(stream)?.length ?? 0) < MAX_MESSAGES_PER_RESPONSE) return stream;
    }
    return undefined;
  }

  private acknowledge(subscription: SubscriptionState, ack_ids: readonly string[], via: 'rpc' | 'stream'): void {
    const at_ms = Date.now();
    for (const ack_id of ack_ids) {
      const lease = subscription.leases.get(ack_id);
      subscription.acks.push({ ack_id, message_id: lease?.pending.message.message_id ?? messageIdOf(subscription, ack_id), at_ms, via, valid: lease !== undefined });
      if (lease !== undefined) this.settle(subscription, lease, false);
    }
  }

  private modifyDeadline(subscription: SubscriptionState, ack_id: string, seconds: number, via: 'rpc' | 'stream'): void {
    const lease = subscription.leases.get(ack_id);
    const at_ms = Date.now();
    subscription.mod_acks.push({ ack_id, message_id: lease?.pending.message.message_id ?? messageIdOf(subscription, ack_id), at_ms, via, valid: lease !== undefined, seconds });
    if (lease === undefined) return;
    if (seconds <= 0) this.settle(subscription, lease, true);
    else lease.deadline_ms = at_ms + seconds * 1_000;
  }

  /** Ends a lease; a nacked or expired message goes back into the backlog at its publish position. */
  private settle(subscription: SubscriptionState, lease: Lease, redeliver: boolean): void {
    subscription.leases.delete(lease.ack_id);
    lease.stream.outstanding -= 1;
    if (subscription.ordering) subscription.busy_keys.delete(lease.pending.message.ordering_key);
    if (redeliver) {
      const backlog = subscription.backlog;
      let at = backlog.length;
      while (at > 0 && backlog[at - 1]!.seq > lease.pending.seq) at -= 1;
      backlog.splice(at, 0, lease.pending);
    }
    this.schedule(subscription);
  }

  private expireLeases(): void {
    const now = Date.now();
    for (const subscription of this.subscriptions.values()) {
      for (const lease of [...subscription.leases.values()]) if (lease.deadline_ms <= now) this.settle(subscription, lease, true);
    }
  }

  private subscription(name: string): SubscriptionState {
    const subscription = this.subscriptions.get(this.fullName('subscriptions', name));
    if (subscription === undefined) throw status(grpc.status.NOT_FOUND, `Subscription not found: ${name}`);
    return subscription;
  }

  private describe(subscription: SubscriptionState) {
    return { name: subscription.name, topic: subscription.topic, enable_message_ordering: subscription.ordering, ack_deadline_seconds: subscription.ack_deadline_seconds };
  }

  private fullName(kind: 'topics' | 'subscriptions', name: string): string {
    return name.startsWith('projects/') ? name : `projects/${this.project}/${kind}/${name}`;
  }
}

function status(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

/** Message id of an ack id that is no longer leased (acked twice, or after expiry), from the delivery log. */
function messageIdOf(subscription: SubscriptionState, ack_id: string): string | undefined {
  for (let i = subscription.deliveries.length - 1; i >= 0; i -= 1) if (subscription.deliveries[i]!.ack_id === ack_id) return subscription.deliveries[i]!.message_id;
  return undefined;
}
