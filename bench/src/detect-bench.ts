/**
 * `npm run bench:detect`: the detection engine's cost, each figure beside a baseline measured in
 * the same run.
 *
 * 1. Throughput: events/s on one core through every default detector (features, heuristics,
 *    summaries, the six windowed detectors, fusion) on simulator traffic (10 minutes, scale 1,
 *    with Bot Management), beside what a user would write instead (a per-IP fixed-window
 *    counter in a Map) and the physical bound (one pass reading one field of every event).
 * 2. Memory per tracked subject: heap growth per distinct client while 200,000 clients are live
 *    in their windows, beside a plain Map of per-IP counters.
 * 3. IP spray: 10,000,000 requests, each from a new IP. The engine's state stays bounded by its
 *    caps; the naive Map grows with every IP.
 *    With BENCH_PER_DETECTOR=1, also the rate with each detector left out (what each one costs).
 * 4. Heuristics: cost per event with 200 rules (the heuristics package's own benchmark, run
 *    as a child process), beside a naive AST interpreter of the same rules.
 * 5. A world's traffic (`eval --worlds`' world BENCH_WORLD, default 3, with Bot Management): the
 *    engine's rate on an attack-heavy shop (floods from tens of thousands of addresses, rotating
 *    user agents) beside the same baseline and bound as in 1. BENCH_WORLD=0 leaves it out.
 *
 * Run with --expose-gc (the npm script does) so heap figures are measured after collection.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RequestEvent } from '@botsieve/core';
import { Engine, parseDetectConfig, type DetectConfigInput } from '@botsieve/detectors';
import { defaultScenario, describeWorld, drawWorld, simulate, worldScenario } from '@botsieve/simulator';
import { parseLogpushRecord } from '@botsieve/ingest';
import { nullTelemetry } from '@botsieve/runtime';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const heapMiB = () => {
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const row = (cells: string[]) => process.stdout.write(`| ${cells.join(' | ')} |\n`);

function simulatorEvents(): RequestEvent[] {
  const events: RequestEvent[] = [];
  for (const { record } of simulate(defaultScenario({ seed: 1 }))) {
    const parsed = parseLogpushRecord(record, 'replay');
    if (parsed.ok) events.push(parsed.event);
  }
  return events;
}

/** World `seed`'s traffic (10 minutes, scale 1, with Bot Management), parsed. */
function worldEvents(seed: number): { events: RequestEvent[]; description: string } {
  const world = drawWorld(seed, { duration_s: 600, scale: 1 });
  const events: RequestEvent[] = [];
  for (const { record } of simulate(worldScenario(world, { bot_management: true }))) {
    const parsed = parseLogpushRecord(record, 'replay');
    if (parsed.ok) events.push(parsed.event);
  }
  return { events, description: describeWorld(world) };
}

function engineRate(events: readonly RequestEvent[], config: DetectConfigInput = {}, rounds = 3): { rate: number; verdicts: number } {
  let best = 0;
  let verdicts = 0;
  for (let round = 0; round < rounds; round++) {
    gc();
    const engine = new Engine(parseDetectConfig(config), nullTelemetry(), { stage: 'all' });
    const start = process.hrtime.bigint();
    verdicts = 0;
    for (const event of events) verdicts += engine.process(event).length;
    verdicts += engine.finish().length;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, events.length / seconds);
  }
  return { rate: best, verdicts };
}

/**
 * What each detector costs: the engine's rate without it, beside the rate with every detector
 * (the difference, per event, is what that detector adds, its share of fusion included).
 */
function perDetector(events: readonly RequestEvent[], all: number): void {
  const types = parseDetectConfig({}).detectors.map((entry) => entry.type);
  row(['detector left out', 'events/s', 'µs per event it costs']);
  row(['---', '---:', '---:']);
  for (const type of types) {
    const without = engineRate(events, { detectors: types.filter((t) => t !== type).map((t) => ({ type: t, id: t })) }, 2).rate;
    row([type, fmt(without), (1e6 / all - 1e6 / without).toFixed(2)]);
  }
  const none = engineRate(events, { detectors: [{ type: 'heuristics', id: 'heuristics' }] }, 2).rate;
  row(['every detector but heuristics (features, summaries and fusion remain)', fmt(none), (1e6 / all - 1e6 / none).toFixed(2)]);
}

/** What a user would write instead: per-IP counts in fixed 10 s windows, block past 300. */
function naiveRate(events: readonly RequestEvent[]): number {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const counts = new Map<string, { window: number; count: number }>();
    let blocked = 0;
    const start = process.hrtime.bigint();
    for (const event of events) {
      const window = Math.floor(event.timestamp_ms / 10_000);
      const entry = counts.get(event.ip);
      if (entry === undefined || entry.window !== window) counts.set(event.ip, { window, count: 1 });
      else if (++entry.count === 300) blocked += 1;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, events.length / seconds);
    if (blocked < 0) throw new Error('unreachable');
  }
  return best;
}

function boundRate(events: readonly RequestEvent[]): number {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let sum = 0;
    const start = process.hrtime.bigint();
    for (const event of events) sum += event.ip.length;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, events.length / seconds);
    if (sum < 0) throw new Error('unreachable');
  }
  return best;
}

function sprayEvent(i: number, ts: number): RequestEvent {
  const ip = `${1 + ((i >>> 24) & 127)}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
  return {
    ray_id: `s${i}`, timestamp_ms: ts, host: 'shop.example', ip, prefix: `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`, asn: 64_500 + (i % 5_000), country: 'us', method: 'GET', protocol: 'HTTP/2', path: `/product/${i % 50_000}`, uri: `/product/${i % 50_000}`,
    user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36', referer: '', status: 200, origin_status: 200, origin_duration_ms: 40, content_type: 'text/html', cache_status: 'miss', response_bytes: 20_000,
    bot_score: 80, bot_score_src: 'Machine Learning', verified_bot_category: null, ja4: 't13d1516h2_8daaf6152771_02713d6af862', ja3_hash: null, bot_tags: null, source: 'replay',
  };
}

/**
 * Heap per live client: 200,000 clients, 3 requests each within one window. The naive Map is
 * measured first and kept alive until both figures are taken, so one's garbage is never counted
 * against the other.
 */
function memoryPerSubject(): { engine: number; naive: number; keys: number } {
  const clients = 200_000;
  const base = heapMiB();
  const naive = new Map<string, { window: number; count: number }>();
  for (let i = 0; i < clients; i++) naive.set(sprayEvent(i, 0).ip, { window: 0, count: 3 });
  const naiveBytes = ((heapMiB() - base) * 1_048_576) / clients;
  const base2 = heapMiB();
  const engine = new Engine(parseDetectConfig({}), nullTelemetry(), { stage: 'all' });
  for (let r = 0; r < 3; r++) for (let i = 0; i < clients; i++) engine.process(sprayEvent(i, 1_700_000_000_000 + r * 2_000 + Math.floor(i / 100)));
  engine.drainPartials();
  const engineBytes = ((heapMiB() - base2) * 1_048_576) / clients;
  const keys = engine.stateSize().keys;
  if (naive.size !== clients || keys < 0) throw new Error('unreachable');
  return { engine: engineBytes, naive: naiveBytes, keys };
}

function spray(total: number): { engineMiB: number; engineKeys: number; engineRate: number; naiveMiB: number } {
  const engine = sprayEngine(total);
  const naiveMiB = sprayNaive(total);
  return { ...engine, naiveMiB };
}

/** The engine's part of the spray, in its own frame: its state is garbage before the Map's is measured. */
function sprayEngine(total: number): { engineMiB: number; engineKeys: number; engineRate: number } {
  const base = heapMiB();
  const engine = new Engine(parseDetectConfig({}), nullTelemetry(), { stage: 'all' });
  let peak = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    engine.process(sprayEvent(i, 1_700_000_000_000 + Math.floor(i / 100)));
    if (i % 1_000_000 === 999_999) {
      peak = Math.max(peak, heapMiB() - base);
      process.stderr.write(`  spray: ${fmt(i + 1)} events, engine heap +${fmt(heapMiB() - base)} MiB\n`);
    }
  }
  const rate = total / (Number(process.hrtime.bigint() - start) / 1e9);
  return { engineMiB: peak, engineKeys: engine.stateSize().keys, engineRate: rate };
}

function sprayNaive(total: number): number {
  const base = heapMiB();
  const naive = new Map<string, number>();
  for (let i = 0; i < total; i++) naive.set(sprayEvent(i, 0).ip, 1);
  const naiveMiB = heapMiB() - base;
  if (naive.size !== total) throw new Error('unreachable');
  return naiveMiB;
}

/**
 * V8's young generation as `botsieve start` runs it (the image's ENTRYPOINT and `npm start` pass
 * this flag): most of the engine's allocations die young, and a larger young generation scavenges
 * them less often. Only a process's own flags set it, so it is measured in a child process.
 */
const YOUNG_GENERATION_FLAG = '--max-semi-space-size=64';

/** The engine's rate in a fresh child process started with `flags` (best of three rounds). */
function engineRateInChild(flags: string[]): number | undefined {
  const result = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', ...flags, fileURLToPath(import.meta.url)], { encoding: 'utf8', env: { ...process.env, BENCH_ENGINE_ONLY: '1' } });
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    return undefined;
  }
  return Number(JSON.parse(result.stdout.trim().split('\n').at(-1) as string).rate);
}

async function main(): Promise<void> {
  process.stderr.write('generating simulator traffic (10 minutes, scale 1)…\n');
  const events = simulatorEvents();
  if (process.env.BENCH_ENGINE_ONLY === '1') {
    process.stdout.write(`${JSON.stringify({ rate: engineRate(events).rate })}\n`);
    return;
  }
  process.stdout.write(`\n## Detection engine (${fmt(events.length)} simulator events, one core)\n\n`);
  row(['case', 'events/s', 'vs engine']);
  row(['---', '---:', '---:']);
  const engine = engineRate(events);
  const naive = naiveRate(events);
  const bound = boundRate(events);
  row([`engine: every default detector + fusion (${fmt(engine.verdicts)} verdicts)`, fmt(engine.rate), '1.00×']);
  // Like with like: two fresh processes, V8's default young generation and the raised one, twice
  // each, alternating (best of each).
  let plain = 0;
  let raised = 0;
  for (let round = 0; round < 2; round++) {
    plain = Math.max(plain, engineRateInChild([]) ?? 0);
    raised = Math.max(raised, engineRateInChild([YOUNG_GENERATION_FLAG]) ?? 0);
  }
  if (plain > 0 && raised > 0) {
    row(['engine in a fresh process, V8 default young generation', fmt(plain), `${(plain / engine.rate).toFixed(2)}×`]);
    row([`engine in a fresh process, ${YOUNG_GENERATION_FLAG} (as \`botsieve start\` runs: image, npm start)`, fmt(raised), `${(raised / engine.rate).toFixed(2)}× (${((raised / plain - 1) * 100).toFixed(1)} % over the default)`]);
  }
  row(['baseline: per-IP fixed-window counter in a Map', fmt(naive), `${(naive / engine.rate).toFixed(1)}×`]);
  row(['bound: read one field of every event', fmt(bound), `${(bound / engine.rate).toFixed(0)}×`]);
  if (process.env.BENCH_PER_DETECTOR === '1') {
    process.stdout.write(`\n## Cost per detector (${(1e6 / engine.rate).toFixed(2)} µs per event with all of them)\n\n`);
    perDetector(events, engine.rate);
  }

  process.stdout.write('\n## Memory\n\n');
  const memory = memoryPerSubject();
  row(['case', 'bytes per client', '']);
  row(['---', '---:', '']);
  row([`engine, 200,000 live clients (${fmt(memory.keys)} state keys)`, fmt(memory.engine), '']);
  row(['baseline: Map of per-IP counters', fmt(memory.naive), '']);
  const total = Number(process.env.BENCH_SPRAY ?? 10_000_000);
  const sprayed = spray(total);
  process.stdout.write(`\n${fmt(total)} requests, each from a new IP:\n\n`);
  row(['case', 'heap growth', 'state keys', 'events/s']);
  row(['---', '---:', '---:', '---:']);
  row(['engine (bounded by caps)', `${fmt(sprayed.engineMiB)} MiB`, fmt(sprayed.engineKeys), fmt(sprayed.engineRate)]);
  row(['baseline: Map<ip, count>', `${fmt(sprayed.naiveMiB)} MiB`, fmt(total), '']);

  process.stdout.write('\n## Heuristics, 200 rules\n\n');
  const script = fileURLToPath(new URL('./heuristics-bench.js', import.meta.url));
  const result = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  process.stdout.write(result.stdout);
  if (result.status !== 0) process.stderr.write(result.stderr);

  const seed = Number(process.env.BENCH_WORLD ?? 3);
  if (seed > 0) {
    process.stderr.write(`generating world ${seed}'s traffic (10 minutes, scale 1, with Bot Management)…\n`);
    const world = worldEvents(seed);
    process.stdout.write(`\n## Detection engine on world ${seed}'s traffic (${fmt(world.events.length)} events, one core)\n\n${world.description}\n\n`);
    row(['case', 'events/s', 'vs engine']);
    row(['---', '---:', '---:']);
    const worldEngine = engineRate(world.events, {}, 2);
    const worldNaive = naiveRate(world.events);
    const worldBound = boundRate(world.events);
    row([`engine: every default detector + fusion (${fmt(worldEngine.verdicts)} verdicts)`, fmt(worldEngine.rate), '1.00×']);
    row(['baseline: per-IP fixed-window counter in a Map', fmt(worldNaive), `${(worldNaive / worldEngine.rate).toFixed(1)}×`]);
    row(['bound: read one field of every event', fmt(worldBound), `${(worldBound / worldEngine.rate).toFixed(0)}×`]);
  }
}

await main();
