/**
 * Load for the benchmark: N keep-alive connections posting prebuilt gzip batches in a loop for
 * a fixed time; records per-request latency (request start → full answer) and accepted events.
 */
import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  events: number;
  failures: number;
  seconds: number;
  latenciesMs: Float64Array;
}

export async function runLoad(port: number, batches: readonly Buffer[], clients: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let events = 0;
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const body = batches[next++ % batches.length] as Buffer;
      const sent = performance.now();
      const answer = await post(agent, port, body);
      if (answer.status === 200) {
        latencies.push(performance.now() - sent);
        events += (JSON.parse(answer.text) as { accepted: number }).accepted;
      } else {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, loop));
  const elapsed = (performance.now() - started) / 1_000;
  agent.destroy();
  return { requests: latencies.length, events, failures, seconds: elapsed, latenciesMs: Float64Array.from(latencies).sort() };
}

function post(agent: Agent, port: number, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/logpush', agent, headers: { 'content-encoding': 'gzip', 'content-type': 'application/x-ndjson', 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => (text += part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
