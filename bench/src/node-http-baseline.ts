/**
 * The baseline: what a user would write for the same job with node:http — pipe the request
 * through zlib's gunzip into readline, parse each line with the same parser, publish through the
 * same producer batch, seal, answer. Same acknowledgement semantics as IngestServer (durable or
 * enqueued, 503 when the bus refuses), none of its limits.
 */
import { createServer, type Server } from 'node:http';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { encodeEvent, type BusProducer, type TopicNames } from '@botsieve/core';
import { parseLogpushLine } from '@botsieve/ingest';

export function startNodeHttpBaseline(producer: BusProducer, topics: TopicNames, ack: 'durable' | 'enqueued'): Promise<{ server: Server; port: number }> {
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/logpush') {
      res.writeHead(404).end();
      return;
    }
    const input = req.headers['content-encoding'] === 'gzip' ? req.pipe(createGunzip()) : req;
    const batch = producer.batch();
    let accepted = 0;
    let rejected = 0;
    let refused = false;
    try {
      for await (const line of createInterface({ input, crlfDelay: Infinity })) {
        if (line.length === 0 || refused) continue;
        const result = parseLogpushLine(line, 'logpush');
        if (result.ok) {
          refused = !batch.send(topics.events, result.event.ip, encodeEvent(result.event));
          accepted++;
        } else {
          const record = { reason: result.reason, detail: result.detail, line, source: 'logpush', received_at_ms: Date.now() };
          refused = !batch.send(topics.deadletter, null, Buffer.from(JSON.stringify(record)));
          rejected++;
        }
      }
      const sealed = batch.seal();
      if (refused) throw new Error('bus refused');
      if (ack === 'durable') await sealed;
      else sealed.catch(() => {});
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted, rejected }));
    } catch {
      res.writeHead(503, { 'retry-after': '5' }).end();
    }
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0 });
    });
  });
}
