/**
 * Shared-token authentication, used by the ingest tier and the admin server. The expected token is hashed once at start; each request's header
 * is hashed and compared with timingSafeEqual, so the comparison takes the same time whatever the
 * header holds (equal-length digests: no length leak either). The token is never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export class TokenAuth {
  /** Lower-case header name, as uWS `getHeader` and node:http's `headers` want it. */
  readonly header: string;
  private readonly expected: Buffer | null;

  constructor(config: { header: string; token: string | null }) {
    this.header = config.header.toLowerCase();
    this.expected = config.token === null ? null : digest(config.token);
  }

  get enabled(): boolean {
    return this.expected !== null;
  }

  /** True when auth is off or `presented` (the header value, '' when absent) is the token. */
  check(presented: string): boolean {
    if (this.expected === null) return true;
    // Hash even an empty value: the time taken does not tell a missing header from a wrong one.
    const matches = timingSafeEqual(digest(presented), this.expected);
    return matches && presented.length > 0;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
