/**
 * How a verdict is laid out in Redis, and the compare-and-set that keeps only the strongest.
 *
 * Key: `<key_prefix>v:{<subject>}`. The braces make the subject the hash tag, so the slot depends
 * on the subject alone and not on the prefix (one subject's keys stay together if more kinds of
 * key are added per subject).
 *
 * Value: `<rank>|<expires_at>|<verdict JSON>`, e.g. `3|1767225600000|{"id":…}`. Rank and absolute
 * expiry (ms since the epoch) lead so the script compares without decoding JSON. The format stays
 * byte for byte what earlier versions wrote (the Lua below and stored keys read it); the JSON part
 * is core's verdict codec, written with verdictJson and checked with decodeVerdict.
 */
import { ACTION_RANK, decodeVerdict, verdictJson, type Verdict } from '@botsieve/core';

export function verdictKey(keyPrefix: string, subject: string): string {
  return `${keyPrefix}v:{${subject}}`;
}

export function encodeStoredVerdict(verdict: Verdict, expires_at: number): string {
  return `${ACTION_RANK[verdict.action]}|${expires_at}|${verdictJson(verdict)}`;
}

export interface StoredVerdict {
  verdict: Verdict;
  rank: number;
  expires_at: number;
}

/** Decodes a stored value; undefined when it is not one of ours (or is damaged, or its rank disagrees with its action). */
export function decodeStoredVerdict(value: string): StoredVerdict | undefined {
  const first = value.indexOf('|');
  const second = first === -1 ? -1 : value.indexOf('|', first + 1);
  if (second === -1) return undefined;
  const rank = Number(value.slice(0, first));
  const expires_at = Number(value.slice(first + 1, second));
  if (!Number.isInteger(rank) || !Number.isFinite(expires_at)) return undefined;
  const decoded = decodeVerdict(value.slice(second + 1));
  if (!decoded.ok || ACTION_RANK[decoded.verdict.action] !== rank) return undefined;
  return { verdict: decoded.verdict, rank, expires_at };
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
