/**
 * `botsieve simulate --out events.ndjson[.gz] --labels labels.ndjson[.gz]`: realistic Logpush
 * traffic (humans, crawlers, scrapers, floods, stuffing, scanners) with the ground truth in a
 * separate file, one `{"RayID","class","actor"}` line per request, in the same order.
 *
 * Deterministic for a seed; the start time is fixed unless `--start` is given. A `.gz` name is
 * written gzip-compressed at level 1: on a 99 MB simulated file 0.25 s against 0.53 s for the
 * default level 6, for 28% more bytes (11.5× against 14.7× smaller than the input). Progress
 * goes to stderr every 5 s on long runs; a summary at the end.
 *
 * `--world` draws world `--seed` instead of the default scenario (simulator/README.md, "Worlds"):
 * every population from wide ranges, seven more classes, ClientRequestProtocol on every record.
 * Without it the output is the default scenario's, byte for byte as before worlds existed. The
 * world's parameters go to stderr in a line, and in full as JSON with `--parameters FILE`.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { createGzip, constants as zlib } from 'node:zlib';
import { BotsieveError } from '@botsieve/core';
import { ALL_CLASSES, defaultScenario, describeWorld, drawWorld, simulate, worldScenario, type Scenario, type TrafficClass, type WorldParameters } from '@botsieve/simulator';

export const SIMULATE_OPTIONS = {
  out: { type: 'string' },
  labels: { type: 'string' },
  seed: { type: 'string' },
  'duration-s': { type: 'string' },
  scale: { type: 'string' },
  'no-bot-management': { type: 'boolean' },
  start: { type: 'string' },
  world: { type: 'boolean' },
  parameters: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

export interface SimulateFlags {
  out?: string | undefined;
  labels?: string | undefined;
  seed?: string | undefined;
  'duration-s'?: string | undefined;
  scale?: string | undefined;
  'no-bot-management'?: boolean | undefined;
  start?: string | undefined;
  world?: boolean | undefined;
  parameters?: string | undefined;
  quiet?: boolean | undefined;
}

const PROGRESS_INTERVAL_MS = 5_000;
const FLUSH_CHARS = 1 << 20;

function number(flag: string, text: string | undefined, fallback: number, valid: (value: number) => boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !valid(value)) throw new BotsieveError('ERR_CLI_USAGE', `--${flag}: invalid value '${text}'`);
  return value;
}

/**
 * A file of lines, gzip-compressed when its name ends in `.gz`. `line()` is synchronous and says
 * when a flush is due (every ~1 MiB), so the loop awaits once per megabyte instead of once per
 * line: 16.6 s → 12.9 s for the default run.
 */
class OutputFile {
  private parts: string[] = [];
  private size = 0;
  private readonly file: WriteStream;
  private readonly stream: NodeJS.WritableStream;

  constructor(readonly path: string) {
    this.file = createWriteStream(path);
    if (path.endsWith('.gz')) {
      const gzip = createGzip({ level: zlib.Z_BEST_SPEED, chunkSize: 1 << 16 });
      gzip.pipe(this.file);
      this.stream = gzip;
    } else {
      this.stream = this.file;
    }
  }

  /** Buffers one line; true when the buffer should be flushed. */
  line(text: string): boolean {
    this.parts.push(text);
    this.size += text.length + 1;
    return this.size >= FLUSH_CHARS;
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = `${this.parts.join('\n')}\n`;
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await finished(this.file);
  }
}

export async function simulateCommand(flags: SimulateFlags): Promise<number> {
  if (flags.out === undefined || flags.labels === undefined) throw new BotsieveError('ERR_CLI_USAGE', 'simulate needs --out FILE and --labels FILE');
  if (flags.out === flags.labels) throw new BotsieveError('ERR_CLI_USAGE', '--out and --labels must be different files');
  let start: string | number | undefined;
  if (flags.start !== undefined) {
    start = Date.parse(flags.start);
    if (!Number.isFinite(start)) throw new BotsieveError('ERR_CLI_USAGE', `--start: not an ISO 8601 time: '${flags.start}'`);
  }
  if (flags.parameters !== undefined && flags.world !== true) throw new BotsieveError('ERR_CLI_USAGE', '--parameters goes with --world');
  const seed = number('seed', flags.seed, 1, (v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff);
  const duration_s = number('duration-s', flags['duration-s'], 600, (v) => (flags.world === true ? v >= 30 : v > 0) && v <= 86_400);
  const scale = number('scale', flags.scale, 1, (v) => v > 0 && v <= 100);
  const bot_management = flags['no-bot-management'] !== true;
  let world: WorldParameters | null = null;
  let scenario: Scenario;
  if (flags.world === true) {
    world = drawWorld(seed, { duration_s, scale });
    scenario = worldScenario(world, { bot_management, start });
    if (flags.parameters !== undefined) await writeFile(flags.parameters, `${JSON.stringify(world, null, 2)}\n`);
  } else {
    scenario = defaultScenario({ seed, duration_s, scale, bot_management, start });
  }

  const events = new OutputFile(flags.out);
  const labels = new OutputFile(flags.labels);
  const counts = new Map<TrafficClass, number>(ALL_CLASSES.filter((cls) => scenario.classes.includes(cls)).map((cls) => [cls, 0]));
  const started = Date.now();
  let lastProgress = started;
  let written = 0;
  const quiet = flags.quiet === true;
  try {
    for (const { record, label } of simulate(scenario)) {
      const full = events.line(JSON.stringify(record));
      if (labels.line(JSON.stringify(label)) || full) await Promise.all([events.flush(), labels.flush()]);
      counts.set(label.class, (counts.get(label.class) ?? 0) + 1);
      written += 1;
      if (!quiet && (written & 0x3fff) === 0 && Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = Date.now();
        const eventSeconds = (record.EdgeStartTimestamp / 1e6 - scenario.start_ms) / 1_000;
        process.stderr.write(`simulate: ${clock(eventSeconds)} of ${clock(scenario.duration_s)} event time, ${written.toLocaleString('en-US')} requests\n`);
      }
    }
  } finally {
    await Promise.all([events.close(), labels.close()]);
  }

  if (!quiet) {
    const seconds = (Date.now() - started) / 1_000;
    const classes = [...counts].map(([cls, n]) => `${cls} ${n.toLocaleString('en-US')}`).join(', ');
    process.stderr.write(
      `simulate: ${written.toLocaleString('en-US')} requests over ${clock(scenario.duration_s)} (${world === null ? '' : 'world, '}seed ${scenario.seed}, scale ${scenario.scale}, ` +
        `Bot Management ${scenario.bot_management ? 'on' : 'off'}) in ${seconds.toFixed(1)} s → ${flags.out}, ${flags.labels}\n  ${classes}\n` +
        `${world === null ? '' : `  world ${world.seed}: ${describeWorld(world)}${flags.parameters === undefined ? '' : ` (all parameters: ${flags.parameters})`}\n`}`,
    );
  }
  return 0;
}

function clock(totalSeconds: number): string {
  const seconds = Math.max(0, Math.floor(totalSeconds));
  return `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}
