/**
 * Starts an IngestServer on 127.0.0.1 port 0 over a given producer, with random topic names, and
 * talks to it over real sockets with node:http.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { BusProducer, TopicNames } from '@botsieve/core';
import { Telemetry, parseConfig } from '@botsieve/runtime';
import { ingestConfigSchema, type IngestConfig } from '../config.js';
import { IngestServer } from '../server/ingest-server.js';

export interface Harness {
  server: IngestServer;
  /** Prometheus text of the server's telemetry (ingest serves no /metrics: the admin port does). */
  metrics(): Promise<string>;
  port: number;
  config: IngestConfig;
  telemetry: Telemetry;
  topics: TopicNames;
  close(): Promise<void>;
}

export function randomTopics(): TopicNames {
  const id = randomUUID().slice(0, 8);
  return { events: `events-${id}`, verdicts: `verdicts-${id}`, deadletter: `deadletter-${id}`, rollups: `rollups-${id}` };
}

/**
 * The HTTP server the tests run on: `auto` unless INGEST_TEST_HTTP_SERVER says otherwise
 * (`npm test` runs the ingest suite twice, on uWebSockets.js and on node:http).
 */
export const TEST_HTTP_SERVER = process.env.INGEST_TEST_HTTP_SERVER ?? 'auto';

export async function startIngest(producer: BusProducer, overrides: Record<string, unknown> = {}, topics = randomTopics()): Promise<Harness> {
  const config = parseConfig(ingestConfigSchema, { host: '127.0.0.1', port: 0, http_server: TEST_HTTP_SERVER, ...overrides });
  const telemetry = new Telemetry({ level: 'silent' });
  const server = new IngestServer(config, { producer, topics, telemetry });
  const port = await server.listen();
  return { server, port, config, telemetry, topics, metrics: () => telemetry.exposition(), close: () => server.close() };
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export interface RequestOptions {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  /** Send the body in pieces (chunked, no Content-Length). */
  chunks?: Buffer[];
}

/** One request on a fresh connection. Resolves with the answer even when the server closes early. */
export function send(port: number, options: RequestOptions): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path, headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON (metrics)
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    // The server may answer and close before the body is written (413, 401): a write error is
    // not the answer; a connection closed without any answer is status 0.
    let answered = false;
    req.on('response', () => {
      answered = true;
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    req.on('close', () => {
      if (!answered) resolve({ status: 0, headers: {}, text: '', json: null });
    });
    if (options.chunks !== undefined) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else {
      req.end(options.body);
    }
  });
}

export function post(port: number, path: string, body: Buffer | string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return send(port, { path, body, headers });
}

export function get(port: number, path: string): Promise<HttpAnswer> {
  return send(port, { method: 'GET', path });
}

/** A minimal valid Logpush line, dated now (unixnano): ingest refuses implausibly old or future times. */
export function line(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({ RayID: randomUUID(), EdgeStartTimestamp: Date.now() * 1_000_000, ClientIP: '192.0.2.10', ClientRequestPath: '/', ...fields });
}
