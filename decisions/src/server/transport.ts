/**
 * The HTTP surface the decision service needs, on uWebSockets.js or node:http: small requests
 * answered whole, one bounded body (POST /v1/decisions), and long NDJSON responses written with
 * backpressure (the stream).
 *
 * Contract both implementations keep (and the server tests check on both):
 * - The handler reads the request head synchronously (uWS invalidates it after the call); the
 *   transport registers its abort handler before the handler runs, so nothing asynchronous can
 *   come first.
 * - `write` returns false when the transport could not hand the chunk on at once: the chunk is
 *   kept (one chunk at most, the caller writes nothing more) and `onWritable` fires once it left.
 * - After `onAborted` fired (or `close`), every method is a no-op.
 */

export type ServerImplementation = 'uwebsockets.js' | 'node:http';

export interface RequestHead {
  readonly method: string;
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query: string;
  /** Header value by lower-case name; '' when absent. */
  header(name: string): string;
}

export interface Reply {
  readonly aborted: boolean;
  /** Called once when the client went away before the answer ended. */
  onAborted(handler: () => void): void;
  /** Reads the body up to `max_bytes`; `done(null)` when it is larger (answer, then the connection is closed). */
  readBody(max_bytes: number, done: (body: Buffer | null) => void): void;
  /** A whole answer. `close` ends the connection too (the body was not read to its end). */
  respond(status: number, contentType: string, body: string, retryAfter?: string, close?: boolean): void;
  /** Starts a streamed answer (chunked). */
  begin(status: number, contentType: string): void;
  /** Writes a chunk; false: wait for `onWritable` before the next. */
  write(chunk: string): boolean;
  onWritable(handler: () => void): void;
  /** Ends a streamed answer. */
  end(): void;
  /** Closes the connection at once (a cut). */
  close(): void;
  /** Runs `writes` so they leave in as few syscalls as the transport allows. */
  cork(writes: () => void): void;
}

export type RequestHandler = (head: RequestHead, reply: Reply) => void;

export interface ServerTransport {
  readonly implementation: ServerImplementation;
  /** Listens exclusively on host:port; resolves the bound port, or null when it cannot. */
  listen(host: string, port: number): Promise<number | null>;
  stopListening(): void;
  closeConnections(): void;
}
