/**
 * Open-loop load at a fixed arrival rate: request `i` is due at `start + i / rate` and is sent then
 * whatever the answers to earlier requests are doing (no client waits for its previous answer), and
 * its latency is counted from that scheduled time, so a server (or client) that falls behind shows
 * its queueing in the percentiles instead of lowering the rate (no coordinated omission, as in
 * wrk2). `service` latencies count from the moment the request was actually written, for comparison.
 *
 * The scheduler spins on setImmediate (a timer of 1 ms would delay half the requests by 0.5 ms and
 * that would be counted as latency); it costs the client a core, on the same machine as the server.
 *
 * Targets: `HttpTarget` (raw keep-alive TCP connections, HTTP/1.1 pipelining: a request due while
 * the connection's previous one is unanswered is written behind it, answers come back in order)
 * and any `LoadTarget` that calls `done(index, status)` (the Redis lookups).
 */
import { connect, type Socket } from 'node:net';

export interface LoadTarget {
  /** Sends request `index`; calls `done(index, status)` once its answer arrived (status 0: failed). */
  send(index: number, done: (index: number, status: number) => void): void;
  /** After every tick's sends: write what was queued. */
  flush(): void;
}

export interface OpenLoopResult {
  rate: number;
  sent: number;
  answered: number;
  /** Answers with a status other than 200 (403 counts as answered: the guard's block). */
  statuses: Map<number, number>;
  /** Answers that did not fail (status > 0) per second over the run (first due time → last answer). */
  achieved: number;
  /** Scheduled send → answer, ms, sorted; unanswered requests count as Infinity. */
  latencies: Float64Array;
  /** Actual send → answer, ms, sorted. */
  service: Float64Array;
  /** Largest delay of a send behind its scheduled time (the client's own lag), ms. */
  sendLagMax: number;
}

/** Runs `rate` requests per second for `seconds`, then waits up to `grace_ms` for the last answers. */
export function runOpenLoop(target: LoadTarget, rate: number, seconds: number, grace_ms = 2_000): Promise<OpenLoopResult> {
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1_000 / rate;
  const scheduled = new Float64Array(total);
  const sentAt = new Float64Array(total);
  const answeredAt = new Float64Array(total).fill(Number.NaN);
  const statuses = new Map<number, number>();
  let answered = 0;
  let succeeded = 0;
  let next = 0;
  let sendLagMax = 0;
  let lastAnswer = 0;
  const start = performance.now() + 2;
  return new Promise((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      const latencies = new Float64Array(total);
      const service = new Float64Array(answered);
      let s = 0;
      for (let i = 0; i < total; i++) {
        const at = answeredAt[i] as number;
        latencies[i] = Number.isNaN(at) ? Infinity : at - (scheduled[i] as number);
        if (!Number.isNaN(at)) service[s++] = at - (sentAt[i] as number);
      }
      latencies.sort();
      service.sort();
      resolve({ rate, sent: next, answered, statuses, achieved: succeeded / ((lastAnswer - start) / 1_000), latencies, service, sendLagMax });
    };
    const done = (index: number, status: number): void => {
      const now = performance.now();
      answeredAt[index] = now;
      lastAnswer = now;
      answered++;
      if (status > 0) succeeded++;
      if (status !== 200) statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (answered === total) finish();
    };
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      while (next < due) {
        const at = start + next * interval;
        scheduled[next] = at;
        sentAt[next] = now;
        if (now - at > sendLagMax) sendLagMax = now - at;
        target.send(next, done);
        next++;
      }
      target.flush();
      if (next < total) setImmediate(tick);
      else setTimeout(finish, grace_ms).unref();
    };
    setImmediate(tick);
  });
}

/** The value at percentile `p` of sorted `values` (nearest rank). */
export function at(values: Float64Array, p: number): number {
  if (values.length === 0) return Number.NaN;
  return values[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)] as number;
}

const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;
const HEAD_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

/** One keep-alive connection: requests written in order, answers matched to them in order. */
class Connection {
  readonly socket: Socket;
  private pending = new Int32Array(1_024);
  private head = 0;
  private tail = 0;
  private queued: Buffer[] = [];
  private buffer: Buffer = Buffer.alloc(0);

  constructor(port: number, private readonly done: { fn: (index: number, status: number) => void }) {
    this.socket = connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', () => undefined);
  }

  queue(index: number, request: Buffer): void {
    if (this.tail - this.head === this.pending.length) {
      const grown = new Int32Array(this.pending.length * 2);
      for (let i = this.head; i < this.tail; i++) grown[i - this.head] = this.pending[i % this.pending.length] as number;
      this.pending = grown;
      this.tail -= this.head;
      this.head = 0;
    }
    this.pending[this.tail++ % this.pending.length] = index;
    this.queued.push(request);
  }

  flush(): void {
    if (this.queued.length === 0) return;
    this.socket.write(this.queued.length === 1 ? (this.queued[0] as Buffer) : Buffer.concat(this.queued));
    this.queued = [];
  }

  private read(chunk: Buffer): void {
    const buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      const end = buffer.indexOf(HEAD_END, offset);
      if (end === -1) break;
      const head = buffer.toString('latin1', offset, end);
      const length = CONTENT_LENGTH.exec(head)?.[1];
      let next: number;
      if (length !== undefined) next = end + 4 + Number(length);
      else {
        // Chunked (node:http after writeHead without a length): the body ends at the last chunk.
        const last = buffer.indexOf(LAST_CHUNK, end + 2);
        next = last === -1 ? Infinity : last + LAST_CHUNK.length;
      }
      if (next > buffer.length) break;
      offset = next;
      const index = this.pending[this.head++ % this.pending.length] as number;
      this.done.fn(index, Number(head.slice(9, 12)));
    }
    this.buffer = offset === buffer.length ? Buffer.alloc(0) : buffer.subarray(offset);
  }
}

/** Requests `requests[index % requests.length]` over `connections` keep-alive connections, round robin. */
export class HttpTarget implements LoadTarget {
  private readonly connections: Connection[];
  private readonly callback = { fn: (_index: number, _status: number): void => undefined };

  constructor(port: number, private readonly requests: readonly Buffer[], connections: number) {
    this.connections = Array.from({ length: connections }, () => new Connection(port, this.callback));
  }

  async ready(): Promise<void> {
    await Promise.all(this.connections.map((connection) => new Promise((resolve, reject) => connection.socket.once('connect', resolve).once('error', reject))));
  }

  send(index: number, done: (index: number, status: number) => void): void {
    this.callback.fn = done;
    (this.connections[index % this.connections.length] as Connection).queue(index, this.requests[index % this.requests.length] as Buffer);
  }

  flush(): void {
    for (const connection of this.connections) connection.flush();
  }

  close(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }
}

/** `GET <path> HTTP/1.1` with a Host header and `headers`, as bytes. */
export function getRequest(path: string, headers: Record<string, string> = {}): Buffer {
  let text = `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  return Buffer.from(`${text}\r\n`, 'latin1');
}
