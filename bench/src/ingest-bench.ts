/**
 * Ingest benchmark (not a test): `npm run bench:ingest`.
 *
 * Builds realistic Logpush batches (gzip, 1,000 lines of ~44 fields, varied clients, Bot
 * Management fields), posts them over loopback from a few keep-alive clients for a bounded time
 * per case, and prints one table: events/s, ingest CPU (the server runs in a child process and
 * reports its own process.cpuUsage, thread pool included), events/s per ingest core, and ack
 * latency p50/p99 as the client sees it — for IngestServer on uWebSockets.js in both ack modes
 * (where a build loads on this Node), for IngestServer on its node:http fallback, for a plain
 * node:http server doing the same gunzip + parse + publish (what a user would write), and, as the
 * ceiling, gunzip + line split alone on one core in-process.
 *
 * Env: BENCH_SECONDS (per case, default 6), BENCH_CLIENTS (default 4), BENCH_BATCHES (distinct
 * batches, default 16), BENCH_SOLO_SECONDS (one-client latency run, default 3),
 * BENCH_KAFKA_BROKERS (Kafka cases against that cluster; otherwise against librdkafka's mock
 * cluster when kcat is installed), BENCH_KAFKA=off (skip the Kafka cases).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { encodeEvent } from '@botsieve/core';
import { startMockKafka, type MockKafka } from '@botsieve/testkit';
import { parseLogpushLine } from '@botsieve/ingest';
import { LineSplitter, loadUws, sampleGzip, sampleNdjson, type LineSink } from '@botsieve/ingest/internals';
import { percentile, runLoad } from './load-client.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 16);
const LINES = 1_000;
const WARMUP_SECONDS = 1;
const SOLO_SECONDS = Number(process.env.BENCH_SOLO_SECONDS ?? 3);
/** Kafka cases: BENCH_KAFKA_BROKERS, else librdkafka's mock cluster when kcat is installed; BENCH_KAFKA=off skips. */
const KAFKA_SETTING = process.env.BENCH_KAFKA ?? 'auto';

interface Row {
  name: string;
  /** Rows are compared with the node:http row of the same bus. */
  bus: 'embedded' | 'kafka';
  eventsPerSecond: number;
  cores: number | null;
  perCore: number;
  p50: number | null;
  p99: number | null;
  /** Ack latency with one client posting sequentially: the ack's own cost, without queueing. */
  soloP50: number | null;
  soloP99: number | null;
  note: string;
}

interface Usage {
  usage: NodeJS.CpuUsage;
  rss: number;
}

async function serverCase(name: string, args: string[], batches: Buffer[]): Promise<Row> {
  const bus = args[2] === 'kafka' ? 'kafka' : 'embedded';
  const child = fork(new URL('./ingest-bench-server.js', import.meta.url), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message: { port: number }) => resolve(message.port));
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    });
    await runLoad(port, batches, CLIENTS, WARMUP_SECONDS);
    const before = await cpu(child);
    const load = await runLoad(port, batches, CLIENTS, SECONDS);
    const after = await cpu(child);
    const cpuSeconds = (after.usage.user - before.usage.user + after.usage.system - before.usage.system) / 1e6;
    const eventsPerSecond = load.events / load.seconds;
    const solo = await runLoad(port, batches, 1, SOLO_SECONDS);
    return {
      name,
      bus,
      eventsPerSecond,
      cores: cpuSeconds / load.seconds,
      perCore: load.events / cpuSeconds,
      p50: percentile(load.latenciesMs, 50),
      p99: percentile(load.latenciesMs, 99),
      soloP50: percentile(solo.latenciesMs, 50),
      soloP99: percentile(solo.latenciesMs, 99),
      note: `${load.requests} uploads${load.failures > 0 ? `, ${load.failures} failed` : ''}, rss ${(after.rss / 2 ** 20).toFixed(0)} MiB`,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

function cpu(child: ChildProcess): Promise<Usage> {
  return new Promise((resolve) => {
    child.once('message', (message: Usage) => resolve(message));
    child.send({ type: 'cpu' });
  });
}

class CountLines implements LineSink {
  count = 0;
  line(): void {
    this.count++;
  }
  longLine(): void {
    this.count++;
  }
}

class ParseLines implements LineSink {
  count = 0;
  line(buffer: Buffer, start: number, end: number): void {
    const result = parseLogpushLine(buffer.toString('utf8', start, end), 'logpush');
    if (result.ok) encodeEvent(result.event);
    this.count++;
  }
  longLine(): void {}
}

/** One core, no HTTP: gunzipSync + the LineSplitter (+ optionally parse and serialise). */
function boundCase(name: string, batches: Buffer[], sink: CountLines | ParseLines): Row {
  const splitter = new LineSplitter(1 << 20, 4_096, sink);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let i = 0;
  while (performance.now() - started < SECONDS * 500) {
    splitter.push(gunzipSync(batches[i++ % batches.length] as Buffer));
    splitter.end();
  }
  const seconds = (performance.now() - started) / 1_000;
  const used = process.cpuUsage(cpuBefore);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { name, bus: 'embedded', eventsPerSecond: sink.count / seconds, cores: cpuSeconds / seconds, perCore: sink.count / cpuSeconds, p50: null, p99: null, soloP50: null, soloP99: null, note: 'in-process, no HTTP, no bus' };
}

function table(rows: Row[], baselines: Map<string, Row>): string {
  const header = ['case', 'events/s', 'ingest cores', 'events/s/core', 'vs node:http', 'ack p50', 'ack p99', '1-client p50', '1-client p99', ''];
  const body = rows.map((row) => [
    row.name,
    Math.round(row.eventsPerSecond).toLocaleString('en-US'),
    row.cores === null ? '' : row.cores.toFixed(2),
    Math.round(row.perCore).toLocaleString('en-US'),
    ratio(row, baselines.get(row.bus)),
    row.p50 === null ? '' : `${row.p50.toFixed(1)} ms`,
    row.p99 === null ? '' : `${row.p99.toFixed(1)} ms`,
    row.soloP50 === null ? '' : `${row.soloP50.toFixed(2)} ms`,
    row.soloP99 === null ? '' : `${row.soloP99.toFixed(2)} ms`,
    row.note,
  ]);
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((cells) => (cells[column] as string).length)));
  const format = (cells: string[]): string => cells.map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('  ').trimEnd();
  return [format(header), widths.map((width) => '─'.repeat(width)).join('  '), ...body.map(format)].join('\n');
}

function ratio(row: Row, baseline: Row | undefined): string {
  return baseline === undefined ? '' : `${(row.perCore / baseline.perCore).toFixed(2)}×`;
}

async function main(): Promise<void> {
  const batches = Array.from({ length: BATCHES }, (_, seed) => sampleGzip(LINES, seed + 1));
  const raw = Buffer.byteLength(sampleNdjson(LINES, 1));
  const fields = Object.keys(JSON.parse(sampleNdjson(1, 1)) as object).length;
  process.stdout.write(
    `ingest bench: ${BATCHES} distinct batches × ${LINES} lines (${fields} fields/line, ${(raw / 1e6).toFixed(2)} MB raw, ${(batches[0]?.length ?? 0) / 1e3} kB gzip), ` +
      `${CLIENTS} keep-alive clients, ${SECONDS} s per case (+${WARMUP_SECONDS} s warm-up), node ${process.version}, ${availableParallelism()} CPUs\n\n`,
  );
  const rows: Row[] = [];
  const run = async (name: string, args: string[]): Promise<Row> => {
    process.stdout.write(`  running: ${name}\n`);
    const row = await serverCase(name, args, batches);
    rows.push(row);
    return row;
  };
  const uws = await loadUws();
  if (uws.uws === null) process.stdout.write(`  (no uWebSockets.js build loads on Node ${process.versions.node}: the uWS cases are skipped; ${uws.failures.join('; ')})\n`);
  if (uws.uws !== null) {
    await run('uWS ingest · embedded bus · durable', ['uws', 'durable', 'embedded']);
    await run('uWS ingest · embedded bus · enqueued', ['uws', 'enqueued', 'embedded']);
  }
  await run('node:http ingest (fallback) · embedded · durable', ['node-server', 'durable', 'embedded']);
  const baselines = new Map<string, Row>();
  baselines.set('embedded', await run('node:http + readline · embedded · durable', ['node-http', 'durable', 'embedded']));
  let mock: MockKafka | undefined;
  let kafka = process.env.BENCH_KAFKA_BROKERS;
  if (kafka === undefined && KAFKA_SETTING !== 'off') {
    mock = await startMockKafka().catch((error: Error) => {
      process.stdout.write(`  (skipping the Kafka cases: ${error.message})\n`);
      return undefined;
    });
    kafka = mock?.brokers;
  }
  try {
    if (kafka !== undefined) {
      const where = mock === undefined ? 'Kafka' : 'Kafka mock';
      if (uws.uws !== null) {
        await run(`uWS ingest · ${where} · durable`, ['uws', 'durable', 'kafka', kafka]);
        await run(`uWS ingest · ${where} · enqueued`, ['uws', 'enqueued', 'kafka', kafka]);
      }
      await run(`node:http ingest (fallback) · ${where} · durable`, ['node-server', 'durable', 'kafka', kafka]);
      baselines.set('kafka', await run(`node:http + readline · ${where} · durable`, ['node-http', 'durable', 'kafka', kafka]));
    }
  } finally {
    await mock?.stop();
  }
  process.stdout.write('  running: in-process bounds\n\n');
  rows.push(boundCase('bound: gunzip + line split (1 core)', batches, new CountLines()));
  rows.push(boundCase('bound: gunzip + split + parse + serialise (1 core)', batches, new ParseLines()));
  process.stdout.write(`${table(rows, baselines)}\n\n`);
  process.stdout.write('events/s/core = events acknowledged ÷ CPU seconds of the server process (event loop + zlib thread pool + embedded bus drain).\n');
  process.stdout.write('vs node:http = events/s/core over the node:http baseline on the same bus (bounds: over the embedded one).\n');
  process.stdout.write('ack latency = client view: request start → 200 received, for a whole 1,000-line upload; "ack" under the full load (queueing included),\n');
  process.stdout.write('  "1-client" with one client posting sequentially (the ack\'s own cost). The load clients share the machine.\n');
  if (mock !== undefined) process.stdout.write('Kafka mock = librdkafka\'s mock cluster (3 brokers, real protocol, acks=all) on this machine: protocol and ack costs, not a real broker\'s.\n');
}

await main();
