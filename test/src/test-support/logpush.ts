/** Builds Logpush `http_requests` lines for end-to-end tests. */
import { gzipSync } from 'node:zlib';

export interface LineOptions {
  ip: string;
  ts_ms: number;
  ray?: string;
  path?: string;
  asn?: number;
}

let counter = 0;

export function logpushLine(options: LineOptions): string {
  counter += 1;
  return JSON.stringify({
    RayID: options.ray ?? `${counter.toString(16).padStart(16, '0')}`,
    EdgeStartTimestamp: new Date(options.ts_ms).toISOString(),
    EdgeEndTimestamp: new Date(options.ts_ms + 12).toISOString(),
    ZoneName: 'shop.example',
    ClientRequestHost: 'shop.example',
    ClientIP: options.ip,
    ClientASN: options.asn ?? 64500,
    ClientCountry: 'de',
    ClientRequestMethod: 'GET',
    ClientRequestPath: options.path ?? '/products/1',
    ClientRequestURI: options.path ?? '/products/1',
    ClientRequestUserAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36',
    EdgeResponseStatus: 200,
    OriginResponseStatus: 200,
    OriginResponseDurationMs: 40,
    CacheCacheStatus: 'miss',
  });
}

/** A flood: `count` requests from one IP within `span_ms`, starting at `start_ms`. */
export function flood(ip: string, start_ms: number, count: number, span_ms: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i += 1) lines.push(logpushLine({ ip, ts_ms: start_ms + Math.floor((i * span_ms) / count) }));
  return lines;
}

export function gzipBatch(lines: string[]): Buffer {
  return gzipSync(`${lines.join('\n')}\n`);
}

export async function postLogpush(port: number, body: Buffer, token?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' };
  if (token !== undefined) headers.authorization = token;
  return fetch(`http://127.0.0.1:${port}/logpush`, { method: 'POST', body, headers });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeout_ms = 20_000): Promise<T> {
  const deadline = Date.now() + timeout_ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout_ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
