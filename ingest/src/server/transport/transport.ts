/**
 * The HTTP/WebSocket surface the ingest server needs, with two implementations:
 * uWebSockets.js (the fast path, on the Node majors and platforms a build loads on) and node:http
 * with `ws` (everywhere else). Uploads, /stream and admission are written once against these
 * interfaces; the transports only move bytes.
 *
 * Contract both implementations keep (and the ingest tests check on both):
 * - A route handler reads the request head synchronously (uWS invalidates it after the call) and
 *   registers `onAborted` before anything asynchronous.
 * - Body chunks are views valid only during the `onData` call; the last call has `isLast` true
 *   (possibly with an empty chunk).
 * - `respond` writes a whole response once; `close` also ends the connection, which is required
 *   whenever the body was not read to its end.
 * - A stream connection's `send` returns false when the message was dropped (the transport's
 *   hard buffer limit); `bufferedAmount` tells what the client has not read yet.
 */

export type ServerImplementation = 'uwebsockets.js' | 'node:http';

/** The request line and headers, valid only during the route handler. */
export interface RequestHead {
  /** Header value by lower-case name; '' when absent. */
  header(name: string): string;
}

export interface ResponseOptions {
  contentType: string;
  /** Retry-After header value, or null. */
  retryAfter: string | null;
  /** End the connection with the response (the request body was not read to its end). */
  close: boolean;
}

/** One HTTP request being answered. */
export interface Exchange {
  onAborted(handler: () => void): void;
  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): void;
  /** Stop reading the body (backpressure) until `resume`. */
  pause(): void;
  resume(): void;
  respond(status: number, body: string, options: ResponseOptions): void;
}

/** One accepted WebSocket. */
export interface StreamConnection<UserData> {
  readonly data: UserData;
  /** Sends a text message; false when the transport dropped it. */
  send(message: string): boolean;
  /** Bytes queued towards the client and not yet written. */
  bufferedAmount(): number;
  /** Closes with a code and reason (after queued messages). */
  end(code: number, reason: string): void;
  /** Runs `writes` so that their sends leave in as few syscalls as the transport allows. */
  cork(writes: () => void): void;
}

/** How a refused upgrade is answered. */
export interface Refusal {
  status: number;
  body: string;
  retryAfter: string | null;
}

export interface StreamHandlers<UserData> {
  /** Accepts (with the socket's user data) or refuses an upgrade; synchronous: the head is valid only now. */
  upgrade(head: RequestHead): { accept: UserData } | { refuse: Refusal };
  open(connection: StreamConnection<UserData>): void;
  /** One message; the view is valid only during the call. */
  message(connection: StreamConnection<UserData>, message: Uint8Array): void;
  close(connection: StreamConnection<UserData>): void;
}

export interface StreamOptions {
  max_message_bytes: number;
  /** Over this many unread bytes a message is dropped (`send` returns false). */
  max_backpressure_bytes: number;
  /** Seconds without traffic before a socket is closed; 0 disables. Pings keep live clients open. */
  idle_timeout_s: number;
}

export interface Routes<UserData> {
  /** POST /logpush and /events. */
  upload(route: 'logpush' | 'events', head: RequestHead, exchange: Exchange): void;
  /** GET routes by path (/healthz, /readyz). */
  get: Readonly<Record<string, (exchange: Exchange) => void>>;
  /** Anything else. */
  notFound(exchange: Exchange): void;
  /** WS /stream. */
  stream: StreamHandlers<UserData>;
  streamOptions: StreamOptions;
}

export interface HttpTransport {
  readonly implementation: ServerImplementation;
  /** Listens exclusively on host:port; resolves the bound port, or null when it cannot. */
  listen(host: string, port: number): Promise<number | null>;
  /** Stops accepting connections; open ones stay. */
  stopListening(): void;
  /** Closes every connection at once. */
  closeConnections(): void;
}
