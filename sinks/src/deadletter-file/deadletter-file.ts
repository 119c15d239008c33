/**
 * Dead letters on the embedded default: appended to a local NDJSON file. Each batch is written
 * with one append and fsync'd before `writeBatch` resolves, so the consumer commits only what is
 * on disk. Redelivery may append a record twice; dead letters are for people, who tolerate that.
 */
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BotsieveError, type Sink } from '@botsieve/core';
import type { DeadletterFileConfig } from './config.js';
import { SINK_ERRORS, sinkError } from '../errors.js';

const NEWLINE = Buffer.from('\n');

export class DeadletterFile implements Sink<Buffer> {
  readonly id = 'deadletter-file';
  private file: FileHandle | undefined;
  private bytes = 0;

  constructor(private readonly config: DeadletterFileConfig) {}

  async connect(): Promise<void> {
    try {
      await mkdir(dirname(this.config.path), { recursive: true });
      this.file = await open(this.config.path, 'a');
      this.bytes = (await stat(this.config.path)).size;
    } catch (cause) {
      throw sinkError('ERR_SINK_CONNECT', `cannot open dead-letter file ${this.config.path}`, { cause });
    }
  }

  async writeBatch(records: readonly Buffer[]): Promise<void> {
    if (this.file === undefined) throw new BotsieveError(SINK_ERRORS.ERR_SINK_CLOSED.code, 'dead-letter file is not open');
    if (records.length === 0) return;
    const chunks: Buffer[] = [];
    for (const record of records) chunks.push(record, NEWLINE);
    const body = Buffer.concat(chunks);
    try {
      if (this.bytes + body.length > this.config.max_file_bytes && this.bytes > 0) await this.rotate();
      await this.file.write(body);
      await this.file.sync();
      this.bytes += body.length;
    } catch (cause) {
      throw sinkError('ERR_SINK_WRITE', `cannot append to dead-letter file ${this.config.path}`, { cause });
    }
  }

  async healthcheck(): Promise<boolean> {
    return this.file !== undefined;
  }

  async close(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
  }

  private async rotate(): Promise<void> {
    await this.file?.close();
    await rename(this.config.path, `${this.config.path}.1`);
    this.file = await open(this.config.path, 'a');
    this.bytes = 0;
  }
}
