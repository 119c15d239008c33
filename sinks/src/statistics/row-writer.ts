/**
 * Where statistics rows go. The statistics sinks (verdict rows, traffic rows) are the same for
 * every back end; a RowWriter is the only part that differs (BigQuery insertAll, local NDJSON).
 */

/** A row as BigQuery's insertAll takes it: the row's own id as insertId, and its JSON. */
export interface TableRow {
  insertId: string;
  json: Record<string, unknown>;
}

export interface RowWriter {
  /** Table name, for logs. */
  readonly table: string;
  connect(): Promise<void>;
  /**
   * Stores the rows; resolves when all are stored. Throws a BotsieveError when nothing was
   * stored, or a PartialWriteError<TableRow> whose `retry` and `rejected` hold the rows that were
   * not (the others were). The same insertId may be written again: readers dedupe by it.
   */
  write(rows: readonly TableRow[]): Promise<void>;
  healthcheck(): Promise<boolean>;
  close(): Promise<void>;
}
