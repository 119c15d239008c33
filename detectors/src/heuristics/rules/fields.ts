/**
 * Fields a rule can read: Cloudflare's names mapped onto RequestEvent, plus `botsieve.<name>` for
 * every EventFeatures field. Each field has a type the compiler checks operators against, and a
 * getter; getters are plain property reads except `http.request.uri.query`, which slices the
 * URI once per event (memoised on the event object, shared by every rule).
 */
import type { RequestEvent } from '@botsieve/core';
import type { EventFeatures } from '../../engine/features.js';

/** `number_list`: an array of integers (Bot Management detection ids), tested with `eq`, `ne` and `in {…}` for membership. */
export type FieldType = 'string' | 'number' | 'boolean' | 'ip' | 'number_list';

export type Getter = (event: RequestEvent, features: EventFeatures) => string | number | boolean | readonly number[] | null;

export interface FieldDef {
  type: FieldType;
  /** The value can be null (no Bot Management, no JA4): every comparison with null is false. */
  nullable: boolean;
  /** Compared case-insensitively (country codes): string literals are lower-cased at compile time. */
  lowerCase: boolean;
  get: Getter;
}

function field(type: FieldType, get: Getter, options: { nullable?: boolean; lowerCase?: boolean } = {}): FieldDef {
  return { type, get, nullable: options.nullable ?? false, lowerCase: options.lowerCase ?? false };
}

// One query string per event, whatever the number of rules reading it.
let queryOf: RequestEvent | null = null;
let queryValue = '';

function query(event: RequestEvent): string {
  if (event !== queryOf) {
    const uri = event.uri;
    const mark = uri.indexOf('?');
    queryValue = mark < 0 ? '' : uri.slice(mark + 1);
    queryOf = event;
  }
  return queryValue;
}

/** Cloudflare fields → RequestEvent. */
const EVENT_FIELDS: Record<string, FieldDef> = {
  'http.host': field('string', (e) => e.host),
  'http.request.method': field('string', (e) => e.method),
  'http.request.uri': field('string', (e) => e.uri),
  'http.request.uri.path': field('string', (e) => e.path),
  'http.request.uri.query': field('string', (e) => query(e)),
  'http.user_agent': field('string', (e) => e.user_agent),
  'http.referer': field('string', (e) => e.referer),
  'http.response.code': field('number', (e) => e.status),
  'ip.src': field('ip', (e) => e.ip),
  'ip.src.asnum': field('number', (e) => e.asn),
  'ip.geoip.asnum': field('number', (e) => e.asn),
  'ip.src.country': field('string', (e) => e.country, { lowerCase: true }),
  'ip.geoip.country': field('string', (e) => e.country, { lowerCase: true }),
  'cf.bot_management.score': field('number', (e) => e.bot_score, { nullable: true }),
  // Cloudflare verified the bot: a verified-bot category, or BotScoreSrc "Verified Bot".
  'cf.bot_management.verified_bot': field('boolean', (e) => (e.verified_bot_category !== null && e.verified_bot_category !== '') || (e.bot_score_src !== null && e.bot_score_src.toLowerCase() === 'verified bot')),
  'cf.bot_management.ja4': field('string', (e) => e.ja4, { nullable: true }),
  'cf.bot_management.ja3_hash': field('string', (e) => e.ja3_hash, { nullable: true }),
  'cf.verified_bot_category': field('string', (e) => e.verified_bot_category, { nullable: true }),
  // Optional on the event (older records, sources without Bot Management): absent reads as null.
  'cf.bot_management.detection_ids': field('number_list', (e) => e.bot_detection_ids ?? null, { nullable: true }),
  // Logpush's ClientRequestSource; Cloudflare's rules have no such field, hence botsieve's name.
  'botsieve.client_request_source': field('string', (e) => e.client_request_source ?? null, { nullable: true }),
};

/** `cf.bot_management.ja4_signals.<name>`: one named JA4 signal (a number), null when not sent. */
const JA4_SIGNAL_PREFIX = 'cf.bot_management.ja4_signals.';
const SIGNAL_NAME = /^[a-z0-9_]{1,64}$/;

function ja4SignalField(name: string): FieldDef {
  return field('number', (e) => {
    const signals = e.ja4_signals;
    if (signals === undefined || signals === null) return null;
    const value = signals[name];
    return typeof value === 'number' ? value : null;
  }, { nullable: true });
}

/** Every EventFeatures field, typed; `satisfies` fails the build when a feature is added without it. */
const FEATURE_TYPES = {
  route: 'string',
  kind: 'string',
  login: 'boolean',
  login_failed: 'boolean',
  probe: 'boolean',
  not_found: 'boolean',
  client_error: 'boolean',
  server_error: 'boolean',
  cache_busting: 'boolean',
  numeric_id: 'number',
  has_bot_management: 'boolean',
  low_score: 'boolean',
  verified: 'boolean',
  safelisted: 'boolean',
  automation_ua: 'boolean',
  browser_ua: 'boolean',
  claimed_crawler: 'string',
  ua_ja4_mismatch: 'boolean',
  app_ua: 'boolean',
  has_referer: 'boolean',
  cart: 'boolean',
  new_client: 'boolean',
  known_browser: 'boolean',
  in_session: 'boolean',
  route_spiking: 'boolean',
  origin_loaded: 'boolean',
  ip_hash: 'number',
  ua_hash: 'number',
  url_hash: 'number',
  path_hash: 'number',
} as const satisfies Record<keyof EventFeatures, FieldType>;

function featureFields(): Record<string, FieldDef> {
  const out: Record<string, FieldDef> = {};
  for (const [name, type] of Object.entries(FEATURE_TYPES) as [keyof EventFeatures, FieldType][]) {
    out[`botsieve.${name}`] = field(type, (_e, f) => f[name]);
  }
  return out;
}

export const FIELDS: ReadonlyMap<string, FieldDef> = new Map(Object.entries({ ...EVENT_FIELDS, ...featureFields() }));

/** The definition of a field name, or undefined; made once per rule at compile time. */
export function lookupField(name: string): FieldDef | undefined {
  const known = FIELDS.get(name);
  if (known !== undefined) return known;
  if (name.startsWith(JA4_SIGNAL_PREFIX)) {
    const signal = name.slice(JA4_SIGNAL_PREFIX.length);
    // Own-property names only: `__proto__` or `constructor` must not reach Object.prototype.
    if (SIGNAL_NAME.test(signal) && signal !== 'constructor' && signal !== '__proto__') return ja4SignalField(signal);
  }
  return undefined;
}

/** Field names, for error messages and the README check. */
export const FIELD_NAMES: readonly string[] = [...FIELDS.keys()];
