/**
 * Statistics rows appended to local NDJSON files, one file per table and UTC day of the row's
 * partition field: `<directory>/<table>/YYYY-MM-DD.ndjson`, each line a row's JSON (the row
 * carries its id: `verdict_id`, `row_id`). Each day's lines are written with one append and
 * fsync'd before `write` resolves.
 *
 * De-duplication: ids written recently (a bounded window) are skipped, so a redelivered batch
 * is not appended twice; older repeats (a restart) may be, and readers keep one line per id,
 * as the BigQuery views do.
 *
 * Size bound: after each write, when all day files under `<directory>` (every table: the two
 * sinks share the bound) exceed `max_total_bytes`, the oldest days are removed; files written
 * by this call are never removed, so the bound may be exceeded by one day of one table.
 */
import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PartialWriteError } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import { sinkError } from '../errors.js';
import type { RowWriter, TableRow } from '../statistics/row-writer.js';
import type { TableDefinition } from '../statistics/schema.js';

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.ndjson$/;
/** Ids remembered to skip redelivered rows: a few batches' worth, at ~60 bytes each. */
const RECENT_IDS = 65_536;

export interface NdjsonTableWriterOptions {
  directory: string;
  max_total_bytes: number;
}

export class NdjsonTableWriter implements RowWriter {
  readonly table: string;
  private readonly tableDirectory: string;
  private readonly recent = new Map<string, true>();

  constructor(
    private readonly definition: TableDefinition,
    private readonly options: NdjsonTableWriterOptions,
    private readonly telemetry: ComponentTelemetry,
  ) {
    this.table = definition.name;
    this.tableDirectory = join(options.directory, definition.name);
  }

  async connect(): Promise<void> {
    try {
      await mkdir(this.tableDirectory, { recursive: true });
    } catch (cause) {
      throw sinkError('ERR_SINK_CONNECT', `cannot create ${this.tableDirectory}`, { cause });
    }
  }

  async write(rows: readonly TableRow[]): Promise<void> {
    const byDay = new Map<string, TableRow[]>();
    for (const row of rows) {
      if (this.recent.has(row.insertId)) continue;
      const day = dayOf(row.json[this.definition.partition_field]);
      const list = byDay.get(day);
      if (list === undefined) byDay.set(day, [row]);
      else list.push(row);
    }
    const written = new Set<string>();
    const failed: TableRow[] = [];
    let failure: unknown;
    for (const [day, dayRows] of byDay) {
      if (failure !== undefined) {
        failed.push(...dayRows);
        continue;
      }
      const path = join(this.tableDirectory, `${day}.ndjson`);
      try {
        await append(path, dayRows);
        written.add(path);
        for (const row of dayRows) this.remember(row.insertId);
      } catch (cause) {
        failure = cause;
        failed.push(...dayRows);
      }
    }
    if (failure !== undefined) {
      const message = `cannot append ${failed.length} rows to ${this.tableDirectory}`;
      if (written.size === 0) throw sinkError('ERR_SINK_WRITE', message, { cause: failure });
      throw new PartialWriteError<TableRow>(message, failed, [], { cause: failure });
    }
    if (written.size > 0) await this.enforceBound(written);
  }

  async healthcheck(): Promise<boolean> {
    try {
      return (await stat(this.tableDirectory)).isDirectory();
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}

  private remember(id: string): void {
    this.recent.set(id, true);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.keys().next().value as string);
  }

  /** Removes the oldest day files of every table until the directory fits, keeping `keep`. */
  private async enforceBound(keep: ReadonlySet<string>): Promise<void> {
    try {
      const files: { path: string; day: string; bytes: number }[] = [];
      let total = 0;
      for (const entry of await readdir(this.options.directory, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const tableDirectory = join(this.options.directory, entry.name);
        for (const name of await readdir(tableDirectory)) {
          const match = DAY_FILE.exec(name);
          if (match === null) continue;
          const path = join(tableDirectory, name);
          const bytes = (await stat(path).catch(() => undefined))?.size ?? 0;
          files.push({ path, day: match[1] as string, bytes });
          total += bytes;
        }
      }
      if (total <= this.options.max_total_bytes) return;
      files.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.path < b.path ? -1 : 1));
      for (const file of files) {
        if (total <= this.options.max_total_bytes) break;
        if (keep.has(file.path)) continue;
        await unlink(file.path).catch(() => undefined);
        total -= file.bytes;
        this.telemetry.log.info({ path: file.path, bytes: file.bytes }, 'statistics day file removed to stay under max_total_bytes');
      }
    } catch (cause) {
      // The rows are stored; a failed clean-up is retried after the next write.
      this.telemetry.log.warn({ err: cause, directory: this.options.directory }, 'cannot enforce the statistics size bound');
    }
  }
}

async function append(path: string, rows: readonly TableRow[]): Promise<void> {
  let body = '';
  for (const row of rows) body += `${JSON.stringify(row.json)}\n`;
  const file = await open(path, 'a');
  try {
    await file.write(body);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** UTC day of a TIMESTAMP value (ISO string or epoch seconds); `unknown` when unreadable. */
function dayOf(value: unknown): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return value.slice(0, 10);
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1_000).toISOString().slice(0, 10);
  return 'unknown';
}
