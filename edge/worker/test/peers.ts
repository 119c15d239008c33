/**
 * The Worker's peers, real and on loopback: an origin that records what reached it, ingest on the
 * embedded bus, and the decision service (DecisionServer over a real VerdictReplica, no bus)
 * serving the stream protocol of decisions/README.md. And a guarded origin: @botsieve/origin's OriginGuard (node:http adapter) in front
 * of an application that echoes what the guard found, with a stand-in for Cloudflare's last hop.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BusRecord, TopicNames, Verdict } from '@botsieve/core';
import { EmbeddedBus, busConfigSchema } from '@botsieve/bus';
import { DecisionServer, STREAM_PATH, decideConfigSchema, type VerdictFeed, type VerdictReplica } from '@botsieve/decisions';
import { IngestServer, ingestConfigSchema } from '@botsieve/ingest';
import { OriginGuard, nodeHttpGuard, type BotsieveRequestInfo } from '@botsieve/origin';
import { Telemetry, parseConfig, systemClock } from '@botsieve/runtime';

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

/** A server that reads requests and never answers them (until closed): a hung peer. */
export async function startHungServer(): Promise<{ url: string; received: () => number; close(): Promise<void> }> {
  let received = 0;
  const server = createServer(() => {
    received += 1;
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, received: () => received, close: () => close(server) };
}

export interface OriginRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Origin {
  url: string;
  requests: OriginRequest[];
  close(): Promise<void>;
}

export async function startOrigin(): Promise<Origin> {
  const requests: OriginRequest[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') });
      const body = 'hello from the origin';
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, requests, close: () => close(server) };
}

export interface Ingest {
  url: string;
  token: string;
  topics: TopicNames;
  /** Records of the events topic, waiting until `count` arrived (at most `timeout_ms`), then 200 ms more for extras. */
  events(count: number, timeout_ms?: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** ingest's IngestServer with auth on, over a connected EmbeddedBus producer with random topics. */
export async function startIngest(): Promise<Ingest> {
  const id = randomUUID().slice(0, 8);
  const topics = { events: `events-${id}`, verdicts: `verdicts-${id}`, deadletter: `deadletter-${id}`, rollups: `rollups-${id}` };
  const telemetry = new Telemetry({ level: 'silent' });
  const bus = new EmbeddedBus(busConfigSchema.parse({ kind: 'embedded', topics }), telemetry);
  const producer = bus.producer();
  await producer.connect();
  const token = `Bearer ${randomUUID()}`;
  const config = parseConfig(ingestConfigSchema, { host: '127.0.0.1', port: 0, http_server: 'node', auth: { token } });
  const server = new IngestServer(config, { producer, topics: bus.topics, telemetry });
  const port = await server.listen();
  const events = async (count: number, timeout_ms = 10_000): Promise<Record<string, unknown>[]> => {
    const records: BusRecord[] = [];
    let enough: () => void = () => {};
    const reached = new Promise<void>((resolve) => (enough = resolve));
    const consumer = bus.consumer({ group_id: `test-${randomUUID()}`, topics: [topics.events], from: 'earliest', max_batch_records: 10_000 });
    await consumer.start(async (batch) => {
      records.push(...batch);
      if (records.length >= count) enough();
    });
    const timer = setTimeout(enough, timeout_ms);
    await reached;
    clearTimeout(timer);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await consumer.close();
    return records.map((record) => JSON.parse(record.value.toString('utf8')) as Record<string, unknown>);
  };
  return {
    url: `http://127.0.0.1:${port}/events`,
    token,
    topics,
    events,
    close: async () => {
      await server.close();
      await producer.close();
      await bus.close();
    },
  };
}

export interface DecisionEndpoint {
  url: string;
  token: string;
  /** The real decision service behind `url`. */
  server: DecisionServer;
  /** Query strings of the stream requests the service received, in order. */
  requests: URLSearchParams[];
  close(): Promise<void>;
}

/** Holds nothing of its own: the test applies verdicts to the replica directly. */
class NoFeed implements VerdictFeed {
  readonly kind = 'stream' as const;
  async start(): Promise<void> {}
  lagMs(): number {
    return 0;
  }
  async close(): Promise<void> {}
}

/**
 * The real decision service (@botsieve/decisions' DecisionServer, its production transport
 * choice `auto`, authentication on) over `replica`, with no bus: a feed that holds nothing, so
 * what the test applies to the replica is what the service streams.
 *
 * The Worker reaches it through a recording hop on loopback that only notes each request's
 * query string (the service keeps no per-request record) and pipes bytes both ways unchanged:
 * every status, header and line the Worker reads is the service's own.
 */
export async function startDecisionService(replica: VerdictReplica): Promise<DecisionEndpoint> {
  const token = `Bearer ${randomUUID()}`;
  const telemetry = new Telemetry({ level: 'silent' });
  const config = parseConfig(decideConfigSchema, { host: '127.0.0.1', port: 0, auth: { token } });
  const server = new DecisionServer(config, { replica, feed: new NoFeed(), telemetry, clock: systemClock });
  await server.start();
  const service = server.port as number;
  const requests: URLSearchParams[] = [];
  const hop = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://decisions');
    if (url.pathname === STREAM_PATH) requests.push(url.searchParams);
    const upstream = request({ host: '127.0.0.1', port: service, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const port = await listen(hop);
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    server,
    requests,
    close: async () => {
      await close(hop);
      await server.stop();
    },
  };
}

let verdictCount = 0;

/** A verdict as detectors write it, decided now (or at `decided_at`). */
export function verdict(subject: string, action: Verdict['action'], ttl_ms: number, decided_at = Date.now()): Verdict {
  verdictCount += 1;
  return { id: `test-${verdictCount}`, subject: subject as Verdict['subject'], action, score: 3, ttl_ms, decided_at, detectors: [{ id: 'request-velocity', score: 3, evidence: { requests: 500 } }] };
}

export interface GuardedOrigin {
  url: string;
  guard: OriginGuard;
  /** A request straight to the origin, not through the Worker: status, body, and `req.botsieve` as the application saw it (null when the guard answered). */
  direct(headers: Record<string, string>): Promise<{ status: number; text: string; botsieve: BotsieveRequestInfo | null }>;
  close(): Promise<void>;
}

/** The guard in front of an application answering 200 with `req.botsieve` as JSON. */
export async function startGuardedOrigin(guard: OriginGuard): Promise<GuardedOrigin> {
  const protect = nodeHttpGuard(guard);
  const server = createServer((req, res) => {
    if (protect(req, res)) return;
    const body = JSON.stringify({ botsieve: req.botsieve ?? null });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    guard,
    direct: (headers) =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/', headers, agent: false }, (res) => {
          const parts: Buffer[] = [];
          res.on('data', (part: Buffer) => parts.push(part));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            resolve({ status: res.statusCode ?? 0, text, botsieve: echoed(text) });
          });
        });
        req.on('error', reject);
        req.end();
      }),
    close: () => close(server),
  };
}

/** `req.botsieve` from the guarded origin's answer; null for the guard's own (text) answers. */
export function echoed(text: string): BotsieveRequestInfo | null {
  try {
    return (JSON.parse(text) as { botsieve: BotsieveRequestInfo | null }).botsieve;
  } catch {
    return null;
  }
}

/**
 * A stand-in for Cloudflare's hop between the Worker and the origin, the one thing workerd does
 * not do: on a same-zone subrequest Cloudflare sets the origin's CF-Connecting-IP from the
 * Worker's x-real-ip (README, "Headers to the origin"); workerd drops CF-Connecting-IP from
 * subrequests and sets nothing. Everything else passes as it is; the origin's peer is this hop,
 * on loopback, which the origin is configured to trust as a Cloudflare address.
 */
export async function startCloudflareHop(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers['cf-connecting-ip'];
    if (typeof headers['x-real-ip'] === 'string') headers['cf-connecting-ip'] = headers['x-real-ip'];
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, close: () => close(server) };
}
