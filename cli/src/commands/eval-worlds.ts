/**
 * `botsieve eval --worlds N`: N simulated worlds × both variants (with and without Bot
 * Management fields), each generated, replayed through the detectors and scored in memory
 * (`evaluateWorld`: nothing is written to disk), on `--jobs` worker processes (default: two, or
 * one on a one-core machine), then aggregated: per class the worst, median and best world
 * beside the `score lt 30` baseline, the worst world's seed and parameters, and whether each
 * target holds on the worst world.
 *
 * Processes, not worker threads: the configuration's module graph loads native addons
 * (node-rdkafka) that refuse to load in a second V8 context of the same process.
 *
 * This module is also the workers' entry point: forked with WORKER_FLAG it waits for tasks,
 * loads the configuration itself (same file, same environment) and answers with each
 * evaluation. Tasks go to whichever worker is free; results are sorted by seed, so the report
 * does not depend on timing.
 *
 * Measured on the dev box (2 cores shared with other work): `eval --worlds 20` at the defaults,
 * 40 runs and 18.1 M requests in 4 min 13 s (simulator/README.md, "Worlds").
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { evaluateWorld, VARIANTS, type WorldEvaluation, type WorldTask } from '@botsieve/simulator';
import { parseLogpushRecord } from '@botsieve/ingest';
import { Telemetry } from '@botsieve/runtime';
import { loadConfig } from '../config.js';

export interface WorldsRunOptions {
  worlds: number;
  first_seed: number;
  duration_s: number;
  scale: number;
  jobs: number;
  config_file: string | undefined;
  /** One line per finished run and a heartbeat; none when absent. */
  progress?: (line: string) => void;
}

/** argv marker of a worker process; the configuration file follows it ('' for none). */
const WORKER_FLAG = '--botsieve-eval-worlds-worker';

type FromWorker = { type: 'progress'; seed: number; variant: string; events: number } | { type: 'done'; evaluation: WorldEvaluation } | { type: 'failed'; message: string };

const HEARTBEAT_MS = 15_000;

export function defaultJobs(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/** Runs every (seed, variant) on `jobs` workers; resolves with the evaluations in seed order. */
export async function runWorlds(options: WorldsRunOptions): Promise<WorldEvaluation[]> {
  const tasks: WorldTask[] = [];
  for (let i = 0; i < options.worlds; i++) for (const variant of VARIANTS) tasks.push({ seed: options.first_seed + i, variant, duration_s: options.duration_s, scale: options.scale });
  const total = tasks.length;
  const results: WorldEvaluation[] = [];
  const running = new Map<ChildProcess, { task: WorldTask; events: number }>();
  const started = Date.now();
  const say = options.progress ?? (() => {});
  const entry = fileURLToPath(import.meta.url);
  const workers = Array.from({ length: Math.max(1, Math.min(options.jobs, total)) }, () =>
    fork(entry, [WORKER_FLAG, options.config_file ?? ''], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
  );
  const heartbeat = setInterval(() => {
    const now = [...running.values()].map(({ task, events }) => `seed ${task.seed} ${task.variant} ${events.toLocaleString('en-US')}`).join(', ');
    say(`eval: ${results.length}/${total} runs done after ${Math.round((Date.now() - started) / 1_000)} s; running: ${now}`);
  }, HEARTBEAT_MS);
  heartbeat.unref();
  try {
    await new Promise<void>((resolve, reject) => {
      const next = (worker: ChildProcess): void => {
        const task = tasks.shift();
        if (task === undefined) {
          running.delete(worker);
          if (running.size === 0) resolve();
          return;
        }
        running.set(worker, { task, events: 0 });
        worker.send(task);
      };
      for (const worker of workers) {
        worker.on('message', (message: FromWorker) => {
          const entry = running.get(worker);
          if (message.type === 'progress') {
            if (entry !== undefined) entry.events = message.events;
          } else if (message.type === 'done') {
            const { evaluation } = message;
            results.push(evaluation);
            say(`eval: ${results.length}/${total} seed ${evaluation.seed} ${evaluation.variant}: ${evaluation.events.toLocaleString('en-US')} requests in ${evaluation.seconds.toFixed(1)} s, ${evaluation.report.missed.length} targets missed`);
            next(worker);
          } else {
            reject(new Error(`eval --worlds: seed ${entry?.task.seed} ${entry?.task.variant} failed: ${message.message}`));
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code, signal) => {
          if (running.has(worker)) reject(new Error(`eval --worlds: a worker exited (${signal ?? code})`));
        });
        next(worker);
      }
    });
  } finally {
    clearInterval(heartbeat);
    for (const worker of workers) {
      running.delete(worker);
      if (worker.connected) worker.disconnect();
      if (worker.exitCode === null && worker.signalCode === null) worker.kill();
    }
  }
  return results.sort((a, b) => a.seed - b.seed || (a.variant < b.variant ? -1 : 1));
}

/** Worker side: one engine per task, built from the same configuration the main process loaded. */
function serveTasks(configFile: string | undefined): void {
  const config = loadConfig({ file: configFile, env: process.env });
  const level = config.log_level === 'info' ? 'warn' : config.log_level;
  // A worker whose parent is gone (killed, not closed) learns it here, between worlds: it exits
  // quietly instead of crashing on EPIPE.
  const send = (message: FromWorker): void => {
    if (process.connected) process.send?.(message, undefined, {}, (error) => error !== null && process.exit(0));
    else process.exit(0);
  };
  process.on('disconnect', () => process.exit(0));
  process.on('message', (task: WorldTask) => {
    try {
      const telemetry = new Telemetry({ level });
      const evaluation = evaluateWorld(task, {
        config: config.detect,
        telemetry,
        parse: (record) => {
          const parsed = parseLogpushRecord(record, 'replay');
          return parsed.ok ? parsed.event : null;
        },
        progress: (events) => send({ type: 'progress', seed: task.seed, variant: task.variant, events }),
      });
      send({ type: 'done', evaluation });
    } catch (error) {
      send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
}

const flag = process.argv.indexOf(WORKER_FLAG);
if (flag !== -1 && process.send !== undefined) serveTasks(process.argv[flag + 1] || undefined);
