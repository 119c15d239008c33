/**
 * A local BigQuery API server for tests (node:http on 127.0.0.1, a free port): the part of the
 * REST API the statistics sinks use, with fault injection.
 *
 * - `POST /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}/insertAll` (tabledata.insertAll):
 *   every row is checked against the table's schema file by a validator of its own (not the
 *   sink's, so a bug in the sink's validator shows), rows are de-duplicated by insertId (the
 *   first one is kept) and stored per table. Answers like BigQuery: `{ kind, insertErrors:
 *   [{ index, errors: [{ reason, location, message }] }] }`; when a row is invalid and
 *   `skipInvalidRows` is not set, nothing of the request is stored and every other row is
 *   reported `stopped`.
 * - `GET .../tables/{t}` (tables.get): the table's resource with its schema; 404 `notFound` for
 *   a table it does not know.
 *
 * Fault injection: `failNext(n, status)` answers the next n requests with an HTTP error,
 * `failRowsNext(predicate, reason)` fails matching rows of the next insertAll, `delay_ms` delays
 * every answer, `down()` resets every connection until `up()`. Every request is logged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';

interface Field {
  name: string;
  type: string;
  mode?: string;
  fields?: Field[];
}

export interface InsertRow {
  insertId?: string;
  json: Record<string, unknown>;
}

export interface LoggedRequest {
  method: string;
  path: string;
  table: string | undefined;
  /** Rows in an insertAll request. */
  rows: number;
  status: number;
}

export interface BigQueryApiServerOptions {
  /**
   * The directory (a URL ending in `/`) of `tables.json` and the BigQuery JSON schema files it
   * names: the server knows these tables. The sinks own the files, so callers pass the sinks'
   * `SCHEMA_DIRECTORY` (`@botsieve/sinks`).
   */
  schema_directory: URL;
}

interface RowFault {
  predicate: (row: InsertRow) => boolean;
  reason: string;
  stop_others: boolean;
}

interface RequestFault {
  status: number;
  reason: string;
  retry_after_s: number | undefined;
}

const ROUTE = /^\/bigquery\/v2\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+?)(\/insertAll)?$/;

export class BigQueryApiServer {
  /** Delay before every answer. */
  delay_ms = 0;
  readonly requests: LoggedRequest[] = [];
  private readonly schemas = new Map<string, Field[]>();
  private readonly stored = new Map<string, Map<string, Record<string, unknown>>>();
  private readonly anonymous = new Map<string, Record<string, unknown>[]>();
  /** table → insertId → times it arrived in a request that stored or tried to store it. */
  private readonly arrivals = new Map<string, Map<string, number>>();
  /** Faults of the next requests, in order; null lets a request through. */
  private readonly requestFaults: (RequestFault | null)[] = [];
  private rowFault: RowFault | undefined;
  private isDown = false;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    options: BigQueryApiServerOptions,
  ) {
    for (const [table, file] of Object.entries(tablesIn(options.schema_directory))) this.schemas.set(table, JSON.parse(readFileSync(file, 'utf8')) as Field[]);
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: BigQueryApiServerOptions): Promise<BigQueryApiServer> {
    const server = createServer();
    const api = new BigQueryApiServer(server, options);
    server.on('request', (request, response) => void api.handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** `http://127.0.0.1:<port>`: the client's `apiEndpoint`. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stored rows of a table (one per insertId, the first that arrived). */
  rows(table: string): Record<string, unknown>[] {
    return [...(this.stored.get(table)?.values() ?? []), ...(this.anonymous.get(table) ?? [])];
  }

  /** How many times a row with this insertId arrived in an insertAll (stored, duplicate or failed). */
  arrivalsOf(table: string, insertId: string): number {
    return this.arrivals.get(table)?.get(insertId) ?? 0;
  }

  /** Every insertId that arrived at a table, with its count. */
  allArrivals(table: string): Map<string, number> {
    return new Map(this.arrivals.get(table) ?? []);
  }

  /**
   * The next `count` requests (after letting `after` through) answer `status` (503 by default)
   * with a BigQuery error body.
   */
  failNext(count: number, status = 503, options: { reason?: string; retry_after_s?: number; after?: number } = {}): void {
    const reason = options.reason ?? (status === 429 ? 'rateLimitExceeded' : status === 404 ? 'notFound' : status >= 500 ? 'backendError' : 'invalid');
    for (let i = 0; i < (options.after ?? 0); i += 1) this.requestFaults.push(null);
    for (let i = 0; i < count; i += 1) this.requestFaults.push({ status, reason, retry_after_s: options.retry_after_s });
  }

  /**
   * In the next insertAll, rows matching `predicate` fail with `reason`. With `stop_others`
   * (default: when the reason is `invalid`, as BigQuery does) the other rows are not stored and
   * come back `stopped`; otherwise they are stored.
   */
  failRowsNext(predicate: (row: InsertRow) => boolean, reason = 'backendError', options: { stop_others?: boolean } = {}): void {
    this.rowFault = { predicate, reason, stop_others: options.stop_others ?? reason === 'invalid' };
  }

  /** Resets every connection until `up()`. */
  down(): void {
    this.isDown = true;
    for (const socket of this.sockets) socket.destroy();
  }

  up(): void {
    this.isDown = false;
  }

  /** Stops the server; idempotent (tests register it as a teardown and may also call it). */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (this.isDown) {
      request.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (this.delay_ms > 0) await new Promise((resolve) => setTimeout(resolve, this.delay_ms));
    if (this.isDown) {
      request.socket.destroy();
      return;
    }
    const path = (request.url ?? '/').split('?')[0] as string;
    const route = ROUTE.exec(path);
    const table = route?.[3];
    const log: LoggedRequest = { method: request.method ?? '', path, table, rows: 0, status: 200 };
    this.requests.push(log);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      log.status = status;
      response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
      response.end(JSON.stringify(body));
    };
    const fault = this.requestFaults.shift();
    if (fault !== undefined && fault !== null) {
      reply(fault.status, errorBody(fault.status, fault.reason, `injected ${fault.status}`), fault.retry_after_s === undefined ? {} : { 'retry-after': String(fault.retry_after_s) });
      return;
    }
    if (route === null || table === undefined) return reply(404, errorBody(404, 'notFound', `Not found: ${path}`));
    const schema = this.schemas.get(table);
    if (schema === undefined) return reply(404, errorBody(404, 'notFound', `Not found: Table ${route[1]}:${route[2]}.${table}`));
    if (route[4] === undefined) {
      if (request.method !== 'GET') return reply(405, errorBody(405, 'badRequest', 'method not allowed'));
      return reply(200, { kind: 'bigquery#table', id: `${route[1]}:${route[2]}.${table}`, type: 'TABLE', tableReference: { projectId: route[1], datasetId: route[2], tableId: table }, schema: { fields: schema } });
    }
    if (request.method !== 'POST') return reply(405, errorBody(405, 'badRequest', 'method not allowed'));
    let body: { rows?: InsertRow[]; skipInvalidRows?: boolean; ignoreUnknownValues?: boolean };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return reply(400, errorBody(400, 'parseError', 'request body is not JSON'));
    }
    if (!Array.isArray(body.rows) || body.rows.length === 0) return reply(400, errorBody(400, 'invalid', 'No rows present in the request.'));
    log.rows = body.rows.length;
    reply(200, this.insert(table, schema, body.rows, body.skipInvalidRows === true, body.ignoreUnknownValues === true));
  }

  private insert(table: string, schema: Field[], rows: InsertRow[], skipInvalidRows: boolean, ignoreUnknownValues: boolean): object {
    const fault = this.rowFault;
    this.rowFault = undefined;
    const insertErrors: { index: number; errors: { reason: string; location: string; message: string }[] }[] = [];
    const failed = new Set<number>();
    let invalid = false;
    rows.forEach((row, index) => {
      if (row.insertId !== undefined) {
        const counts = this.arrivals.get(table) ?? new Map<string, number>();
        this.arrivals.set(table, counts);
        counts.set(row.insertId, (counts.get(row.insertId) ?? 0) + 1);
      }
      const problems = typeof row.json === 'object' && row.json !== null ? checkRecord(schema, row.json, '', ignoreUnknownValues) : ['row: json is not an object'];
      if (problems.length > 0) {
        invalid = true;
        failed.add(index);
        insertErrors.push({ index, errors: problems.map((message) => ({ reason: 'invalid', location: message.split(':')[0] ?? '', message })) });
        return;
      }
      if (fault !== undefined && fault.predicate(row)) {
        if (fault.stop_others) invalid = true;
        failed.add(index);
        insertErrors.push({ index, errors: [{ reason: fault.reason, location: '', message: `injected ${fault.reason}` }] });
      }
    });
    const stopAll = invalid && !skipInvalidRows;
    rows.forEach((row, index) => {
      if (failed.has(index)) return;
      if (stopAll) {
        insertErrors.push({ index, errors: [{ reason: 'stopped', location: '', message: '' }] });
        return;
      }
      this.store(table, row);
    });
    insertErrors.sort((a, b) => a.index - b.index);
    return insertErrors.length === 0 ? { kind: 'bigquery#tableDataInsertAllResponse' } : { kind: 'bigquery#tableDataInsertAllResponse', insertErrors };
  }

  private store(table: string, row: InsertRow): void {
    if (row.insertId === undefined || row.insertId === '') {
      const list = this.anonymous.get(table) ?? [];
      this.anonymous.set(table, list);
      list.push(row.json);
      return;
    }
    const rows = this.stored.get(table) ?? new Map<string, Record<string, unknown>>();
    this.stored.set(table, rows);
    if (!rows.has(row.insertId)) rows.set(row.insertId, row.json);
  }
}

function tablesIn(directory: URL): Record<string, URL> {
  const tables = JSON.parse(readFileSync(new URL('tables.json', directory), 'utf8')) as Record<string, { schema_file: string }>;
  const out: Record<string, URL> = {};
  for (const [name, entry] of Object.entries(tables)) out[name] = new URL(entry.schema_file, directory);
  return out;
}

function errorBody(code: number, reason: string, message: string): object {
  return { error: { code, message, errors: [{ message, domain: 'global', reason }], status: code === 404 ? 'NOT_FOUND' : code === 429 ? 'RESOURCE_EXHAUSTED' : code >= 500 ? 'UNAVAILABLE' : 'INVALID_ARGUMENT' } };
}

/** Every problem of a record, as `path: problem`. Written separately from the sink's validator on purpose. */
function checkRecord(fields: Field[], value: Record<string, unknown>, prefix: string, ignoreUnknown: boolean): string[] {
  const problems: string[] = [];
  const known = new Set(fields.map((field) => field.name));
  if (!ignoreUnknown) for (const key of Object.keys(value)) if (!known.has(key)) problems.push(`${prefix}${key}: no such field`);
  for (const field of fields) {
    const path = `${prefix}${field.name}`;
    const v = value[field.name];
    const mode = field.mode ?? 'NULLABLE';
    if (v === undefined || v === null) {
      if (mode === 'REQUIRED') problems.push(`${path}: missing required field`);
      continue;
    }
    if (mode === 'REPEATED') {
      if (!Array.isArray(v)) {
        problems.push(`${path}: array expected`);
        continue;
      }
      v.forEach((element, i) => problems.push(...checkValue(field, element, `${path}[${i}]`, ignoreUnknown)));
      continue;
    }
    problems.push(...checkValue(field, v, path, ignoreUnknown));
  }
  return problems;
}

function checkValue(field: Field, v: unknown, path: string, ignoreUnknown: boolean): string[] {
  switch (field.type) {
    case 'STRING':
      return typeof v === 'string' ? [] : [`${path}: not a string`];
    case 'INTEGER':
    case 'INT64':
      return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v)) ? [] : [`${path}: not an integer`];
    case 'FLOAT':
    case 'FLOAT64':
      return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) ? [] : [`${path}: not a float`];
    case 'BOOLEAN':
    case 'BOOL':
      return typeof v === 'boolean' ? [] : [`${path}: not a boolean`];
    case 'TIMESTAMP':
      return typeof v === 'number' || (typeof v === 'string' && !Number.isNaN(Date.parse(v))) ? [] : [`${path}: not a timestamp`];
    case 'RECORD':
    case 'STRUCT':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? checkRecord(field.fields ?? [], v as Record<string, unknown>, `${path}.`, ignoreUnknown) : [`${path}: not a record`];
    default:
      return [`${path}: unsupported type ${field.type}`];
  }
}
