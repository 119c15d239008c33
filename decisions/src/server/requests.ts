/**
 * Reading what a request asks: one client from a query string, a batch from a JSON body, the
 * stream's parameters. Each answer is the value or the reason it is refused (400), never a throw.
 */
import { canonicalIp, type EventAction } from '@botsieve/core';
import type { DecisionClient } from '../types.js';
import type { StreamRequest } from './stream-client.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** GET /v1/decision?ip=…&ua=…&ja4=…&asn=…&verified=…&bot_score=… */
export function clientFromQuery(query: string): Parsed<DecisionClient> {
  const params = new URLSearchParams(query);
  return checkClient({
    ip: params.get('ip'),
    user_agent: params.get('ua'),
    ja4: params.get('ja4'),
    asn: numberParam(params.get('asn')),
    verified: booleanParam(params.get('verified')),
    bot_score: numberParam(params.get('bot_score')),
  });
}

/** POST /v1/decisions: a JSON array of clients with the event's field names. */
export function clientsFromBody(body: Buffer, max_batch: number): Parsed<DecisionClient[]> | { ok: false; reason: string; tooLarge: true } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return fail('the body is not JSON (expected an array of clients)');
  }
  if (!Array.isArray(value)) return fail('the body is not a JSON array of clients');
  if (value.length > max_batch) return { ok: false, reason: `${value.length} clients in one request; max_batch is ${max_batch}`, tooLarge: true };
  const clients: DecisionClient[] = [];
  for (let i = 0; i < value.length; i++) {
    const item = value[i] as Record<string, unknown> | null;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return fail(`clients[${i}] is not an object`);
    const checked = checkClient({
      ip: item.ip,
      user_agent: item.user_agent ?? item.ua,
      ja4: item.ja4,
      asn: item.asn,
      verified: item.verified,
      bot_score: item.bot_score,
      bot_score_src: item.bot_score_src,
      verified_bot_category: item.verified_bot_category,
    });
    if (!checked.ok) return fail(`clients[${i}]: ${checked.reason}`);
    clients.push(checked.value);
  }
  return { ok: true, value: clients };
}

/** GET /v1/verdicts/stream?since=<epoch>.<version>&follow=0&actions=block,challenge */
export function streamRequest(query: string): Parsed<StreamRequest> {
  const params = new URLSearchParams(query);
  let since: StreamRequest['since'] = null;
  const token = params.get('since');
  if (token !== null && token !== '') {
    const dot = token.lastIndexOf('.');
    const version = Number(token.slice(dot + 1));
    if (dot <= 0 || !Number.isSafeInteger(version) || version < 0) return fail('since is not <epoch>.<version> (the token of the last line applied)');
    since = { epoch: token.slice(0, dot), version };
  }
  const follow = params.get('follow');
  if (follow !== null && follow !== '0' && follow !== '1') return fail('follow is neither 0 nor 1');
  let actions: Set<EventAction> | null = null;
  const wanted = params.get('actions');
  if (wanted !== null && wanted !== '') {
    actions = new Set();
    for (const action of wanted.split(',')) {
      if (action !== 'block' && action !== 'challenge' && action !== 'log') return fail(`actions: unknown action ${JSON.stringify(action.slice(0, 40))} (block, challenge, log)`);
      actions.add(action);
    }
  }
  return { ok: true, value: { since, follow: follow !== '0', actions } };
}

interface RawClient {
  ip: unknown;
  user_agent?: unknown;
  ja4?: unknown;
  asn?: unknown;
  verified?: unknown;
  bot_score?: unknown;
  bot_score_src?: unknown;
  verified_bot_category?: unknown;
}

const INVALID = Symbol('invalid');

function checkClient(raw: RawClient): Parsed<DecisionClient> {
  if (typeof raw.ip !== 'string' || raw.ip === '') return fail('ip is missing');
  if (canonicalIp(raw.ip) === null) return fail(`ip ${JSON.stringify(raw.ip.slice(0, 64))} is not an IP address`);
  for (const field of ['user_agent', 'ja4', 'bot_score_src', 'verified_bot_category'] as const) {
    if (raw[field] !== undefined && raw[field] !== null && typeof raw[field] !== 'string') return fail(`${field} is not a string`);
  }
  if (raw.asn === INVALID || (raw.asn !== undefined && raw.asn !== null && !(Number.isInteger(raw.asn) && (raw.asn as number) >= 0))) return fail('asn is not a non-negative integer');
  if (raw.bot_score === INVALID || (raw.bot_score !== undefined && raw.bot_score !== null && !(Number.isInteger(raw.bot_score) && (raw.bot_score as number) >= 1 && (raw.bot_score as number) <= 99))) return fail('bot_score is not an integer from 1 to 99');
  if (raw.verified === INVALID || (raw.verified !== undefined && raw.verified !== null && typeof raw.verified !== 'boolean')) return fail('verified is not true or false');
  return {
    ok: true,
    value: {
      ip: raw.ip,
      // '' is a request that sent no User-Agent (the subject `ua:`); null: not known.
      user_agent: (raw.user_agent as string | null | undefined) ?? null,
      ja4: (raw.ja4 as string | null | undefined) || null,
      asn: (raw.asn as number | null | undefined) ?? null,
      verified: (raw.verified as boolean | null | undefined) ?? null,
      bot_score: (raw.bot_score as number | null | undefined) ?? null,
      bot_score_src: (raw.bot_score_src as string | null | undefined) ?? null,
      verified_bot_category: (raw.verified_bot_category as string | null | undefined) ?? null,
    },
  };
}

function numberParam(value: string | null): number | null | typeof INVALID {
  if (value === null || value === '') return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : INVALID;
}

function booleanParam(value: string | null): boolean | null | typeof INVALID {
  if (value === null || value === '') return null;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return INVALID;
}
