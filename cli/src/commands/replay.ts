/**
 * `botsieve replay [--annotate] FILE…`: Logpush NDJSON through the same detectors as production,
 * in event time. Prints verdicts as NDJSON, or with --annotate exactly one line per input event
 * (in input order) with the action verdicts issued before that event would apply to it.
 * Lines that are not valid events are counted by reason on stderr and produce no output line.
 */
import { BotsieveError } from '@botsieve/core';
import { createReplay } from '@botsieve/detectors';
import { parseLogpushLine } from '@botsieve/ingest';
import { Telemetry } from '@botsieve/runtime';
import { loadConfig } from '../config.js';
import { OutputBuffer, readLines } from '../read-lines.js';

export const REPLAY_OPTIONS = {
  annotate: { type: 'boolean' },
  config: { type: 'string' },
  quiet: { type: 'boolean' },
  progress: { type: 'boolean' },
} as const;

/** How often long replays report progress on stderr (checked every 16,384 events). */
const PROGRESS_INTERVAL_MS = 5_000;

export interface ReplayFlags {
  annotate?: boolean | undefined;
  config?: string | undefined;
  quiet?: boolean | undefined;
  /** Progress lines on stderr; default on when stderr is a terminal. */
  progress?: boolean | undefined;
}

export async function replayCommand(flags: ReplayFlags, files: string[]): Promise<number> {
  if (files.length === 0) throw new BotsieveError('ERR_CLI_USAGE', 'replay needs at least one Logpush file (NDJSON, plain or .gz)');
  const config = loadConfig({ file: flags.config, env: process.env });
  const telemetry = new Telemetry({ level: config.log_level === 'info' ? 'warn' : config.log_level });
  const replay = createReplay(config.detect, telemetry);
  const out = new OutputBuffer(process.stdout);
  const annotate = flags.annotate === true;
  const badLines = new Map<string, number>();
  const started = process.hrtime.bigint();
  let events = 0;
  let verdicts = 0;
  const progress = flags.quiet !== true && (flags.progress ?? process.stderr.isTTY === true);
  let lastProgress = Date.now();

  for (const file of files) {
    for await (const line of readLines(file)) {
      if (line.length === 0) continue;
      const parsed = parseLogpushLine(line, 'replay');
      if (!parsed.ok) {
        badLines.set(parsed.reason, (badLines.get(parsed.reason) ?? 0) + 1);
        continue;
      }
      events += 1;
      const result = replay.push(parsed.event);
      if (annotate) {
        await out.line(JSON.stringify(result.annotation));
      } else {
        for (const verdict of result.verdicts) await out.line(JSON.stringify(verdict));
      }
      verdicts += result.verdicts.length;
      if (progress && (events & 0x3fff) === 0 && Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = Date.now();
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        process.stderr.write(`replay: ${file}: ${events} events, ${verdicts} verdicts, ${Math.round(events / seconds)} events/s\n`);
      }
    }
  }
  const tail = replay.finish();
  verdicts += tail.length;
  if (!annotate) for (const verdict of tail) await out.line(JSON.stringify(verdict));
  await out.flush();

  if (flags.quiet !== true) {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const bad = [...badLines].map(([reason, count]) => `${reason}=${count}`).join(' ');
    process.stderr.write(`replay: ${events} events, ${verdicts} verdicts, ${seconds.toFixed(2)} s (${Math.round(events / Math.max(seconds, 1e-9))} events/s)${bad === '' ? '' : `; skipped lines: ${bad}`}\n`);
  }
  return 0;
}
