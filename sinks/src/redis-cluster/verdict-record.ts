/**
 * How a verdict is laid out in Redis, and the compare-and-set that keeps only the strongest.
 *
 * Key: `<key_prefix>v:{<subject>}`. The braces make the subject the hash tag, so the slot depends
 * on the subject alone and not on the prefix (one subject's keys stay together if more kinds of
 * key are added per subject).
 *
 * Value: `<rank>|<expires_at>|<verdict JSON>`, e.g. `3|1767225600000|{"id":…}`. Rank and absolute
 * expiry (ms since the epoch) lead so the script compares without decoding JSON.
 */
import { ACTION_RANK, type Verdict } from '@botsieve/core';

export function verdictKey(keyPrefix: string, subject: string): string {
  return `${keyPrefix}v:{${subject}}`;
}

export function encodeVerdict(verdict: Verdict, expires_at: number): string {
  return `${ACTION_RANK[verdict.action]}|${expires_at}|${JSON.stringify(verdict)}`;
}

export interface StoredVerdict {
  verdict: Verdict;
  rank: number;
  expires_at: number;
}

/** Decodes a stored value; undefined when it is not one of ours (or is damaged). */
export function decodeVerdict(value: string): StoredVerdict | undefined {
  const first = value.indexOf('|');
  const second = first === -1 ? -1 : value.indexOf('|', first + 1);
  if (second === -1) return undefined;
  const rank = Number(value.slice(0, first));
  const expires_at = Number(value.slice(first + 1, second));
  if (!Number.isInteger(rank) || !Number.isFinite(expires_at)) return undefined;
  try {
    const verdict = JSON.parse(value.slice(second + 1)) as Verdict;
    if (typeof verdict !== 'object' || verdict === null || ACTION_RANK[verdict.action] !== rank) return undefined;
    return { verdict, rank, expires_at };
  } catch {
    return undefined;
  }
}

/** Why a verdict cannot be stored at all (dead-lettered), or undefined when it is well formed. */
export function invalidVerdict(verdict: Verdict): string | undefined {
  if (typeof verdict !== 'object' || verdict === null) return 'not an object';
  if (typeof verdict.subject !== 'string' || verdict.subject.indexOf(':') < 1) return 'subject is not <kind>:<value>';
  if (verdict.action !== 'block' && verdict.action !== 'challenge' && verdict.action !== 'log') return `unknown action ${String(verdict.action)}`;
  if (!Number.isSafeInteger(verdict.decided_at) || !Number.isSafeInteger(verdict.ttl_ms) || verdict.ttl_ms < 0) return 'decided_at and ttl_ms must be non-negative integers (ms)';
  return undefined;
}

/**
 * Compare-and-set under MemoryVerdictStore's replacement rule, atomic on the key's master.
 *
 * KEYS[1] the verdict key; ARGV: rank, expires_at (ms), now (ms, the sink's clock), value.
 * The incoming verdict replaces the stored one when the stored one is missing, damaged or expired
 * (`expires_at <= now`; Redis also drops it itself once its PEXPIREAT passes), when its action is
 * stronger, or at equal strength when it expires later. Otherwise nothing changes, so the same
 * verdict twice is a no-op and a weaker or older one never overwrites a stronger active one.
 * Returns 1 when stored, 0 when the stored verdict was kept.
 *
 * Expiry is PEXPIREAT decided_at + ttl_ms, absolute: a redelivered or retried write sets the same
 * deadline instead of extending it (a relative PEXPIRE would restart the TTL on every retry).
 * Numbers are Lua doubles: exact for ms timestamps (< 2^53).
 */
export const PUT_VERDICT_LUA = `
local rank = tonumber(ARGV[1])
local expires_at = tonumber(ARGV[2])
local current = redis.call('GET', KEYS[1])
if current then
  local current_rank, current_expires = string.match(current, '^(%d+)|(%d+)|')
  current_rank = tonumber(current_rank)
  current_expires = tonumber(current_expires)
  if current_rank and current_expires and current_expires > tonumber(ARGV[3]) then
    if rank < current_rank then return 0 end
    if rank == current_rank and expires_at <= current_expires then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;
