/**
 * Configuration of the `credential-stuffing` detector: login attempts and failures per subject
 * over a short window and a long decayed one, with thresholds per kind of subject. Everything a
 * user tunes is here, as data.
 */
import { z } from 'zod';
import type { SubjectKind } from '@botsieve/core';
import { kindEnabledSchema, maxTrackedSubjectsSchema, subjectsSchema, type TrackedKindDefaults } from '../engine/config-fragments.js';
import { levelsSchema, reemitMsSchema, type LevelValues } from '../engine/levels.js';
import { parseOrThrow } from '../parse-or-throw.js';
import { loginSurgeSchema } from './login-surge.js';

interface SubjectDefaults extends TrackedKindDefaults {
  min_failure_ratio: number;
  min_distinct_ips: number;
  failures: LevelValues;
  attempts: LevelValues;
  long_failures: LevelValues;
  surge_failures: LevelValues;
  surge_min_failure_ratio: number;
  surge_min_distinct_ips: number;
}

function subjectSchema(kind: SubjectKind, d: SubjectDefaults) {
  return z
    .strictObject({
      /** Track subjects of this kind. */
      enabled: kindEnabledSchema('Track', kind, d.enabled),
      /** Most subjects of this kind tracked at once; only subjects with login attempts get state. */
      max_tracked_subjects: maxTrackedSubjectsSchema(d.max_tracked_subjects, 'Most subjects of this kind tracked at once (only subjects with login attempts get state); when full the least recently seen is evicted.'),
      min_failure_ratio: z.number().min(0).max(1).default(d.min_failure_ratio).describe('The failures and long_failures rules need failed / all login attempts at or above this.'),
      /** Every rule needs at least this many distinct IPs behind the attempts (1 for `ip:`). */
      min_distinct_ips: z.number().int().positive().default(d.min_distinct_ips).describe('Every rule needs at least this many distinct client IPs in the window (an `ip:` subject is one).'),
      failures: levelsSchema('Failed logins per window (with failure ratio ≥ min_failure_ratio)', d.failures).describe('Failed logins per window, with the failure ratio at or above min_failure_ratio.'),
      /** Login attempts per window, whatever their outcome (a checker with valid credentials). */
      attempts: levelsSchema('Login attempts per window, whatever their outcome', d.attempts).describe('Login attempts per window, whatever their outcome.'),
      long_failures: levelsSchema('Failed logins decayed with long_half_life_ms (with failure ratio ≥ min_failure_ratio)', d.long_failures, false).describe('Failed logins, exponentially decayed with long_half_life_ms (1 failure per minute for hours levels off at 44), with the decayed failure ratio at or above min_failure_ratio.'),
      /** While the login route surges: unsuccessful logins per window (with surge_min_failure_ratio and surge_min_distinct_ips). */
      surge_failures: levelsSchema('Unsuccessful logins per window while the login route surges', d.surge_failures).describe(
        'While the login route fails above its baseline (`surge`): unsuccessful logins per window (failed, or answered with an error in steps of nothing but logins), making at least surge_min_failure_ratio of the attempts, from at least surge_min_distinct_ips IPs seen in steps of nothing but logins. Where humans are seen the collateral guard caps the verdict at `log`.',
      ),
      surge_min_failure_ratio: z.number().min(0).max(1).default(d.surge_min_failure_ratio).describe('The surge_failures rule needs unsuccessful / all login attempts at or above this.'),
      surge_min_distinct_ips: z.number().int().positive().default(d.surge_min_distinct_ips).describe('The surge_failures rule needs at least this many distinct client IPs in the window, counted in steps where the subject did nothing but log in (an `ip:` subject is one).'),
    })
    .prefault({});
}

// Aggregates (prefix, ASN, JA4) gather many humans: they need a failure ratio no human population
// shows (humans fail ~1 login in 10), failures from at least 10 IPs, and stop at `challenge`.
// While the login route surges, a population whose logins nearly all fail (≥ 80 %, against the
// route's ~10–20 %) from 3 addresses is challenged at its 3rd failure: the population's share of
// the surge. Populations carrying humans (assets, returning app users, successful logins, a
// browser's or the app's identity) are capped at `log` by fusion's collateral guard.
const aggregate = (enabled: boolean, max_tracked_subjects: number): SubjectDefaults => ({
  enabled,
  max_tracked_subjects,
  min_failure_ratio: 0.6,
  min_distinct_ips: 10,
  failures: { log: 20, challenge: 50, block: null },
  attempts: { log: null, challenge: null, block: null },
  long_failures: { log: 60, challenge: 150, block: null },
  surge_failures: { log: 2, challenge: 3, block: null },
  surge_min_failure_ratio: 0.8,
  surge_min_distinct_ips: 3,
});

export const credentialStuffingConfigSchema = z.strictObject({
  window_ms: z.number().int().positive().default(300_000).describe('Short window: attempts are judged over the current and the previous window, i.e. one to two windows of event time.'),
  /** Half-life of the long decayed counters (sustained attacks below the short thresholds). */
  long_half_life_ms: z.number().int().positive().default(1_800_000).describe('Half-life of the long, exponentially decayed counters; their distinct IPs cover one to two half-lives.'),
  /** Cooldown: a subject gets a new signal only when the action escalates or its last one is this old. */
  reemit_ms: reemitMsSchema,
  /**
   * The login route's failures against its baseline share, per kind of subject from that kind's
   * summaries (every login of the stage's traffic passes through each kind it has), which arms
   * the surge_failures rules.
   */
  surge: loginSurgeSchema({ prior_share: 0.15, min_short_excess: 8, min_long_excess: 20 }).describe("The login route surge (every failure among all login attempts, as each kind's summaries carry them) that arms the surge_failures rules."),
  /** Per kind of subject: tracked or not, thresholds and the cap on tracked subjects. */
  subjects: subjectsSchema(
    {
      /**
       * `ip:` brute force. A human mistyping twice, an office of 40 behind one NAT (~4 failures
       * in 44 logins): nothing. 10 failures at ≥ 50 % in 5–10 min: challenge; 30: block.
       */
      ip: subjectSchema('ip', {
        enabled: true,
        max_tracked_subjects: 100_000,
        min_failure_ratio: 0.5,
        min_distinct_ips: 1,
        failures: { log: 5, challenge: 10, block: 30 },
        attempts: { log: 100, challenge: 300, block: null },
        long_failures: { log: 15, challenge: 25, block: 75 },
        // Per address, `address-bursts` (sessionless_logins) acts on the surge within the request.
        surge_failures: { log: null, challenge: null, block: null },
        surge_min_failure_ratio: 0.8,
        surge_min_distinct_ips: 1,
      }).describe('`ip:<ip>`: brute force from one address.'),
      /** `prefix:<cidr>`: the client /24 (IPv4) or /64 (IPv6). */
      /**
       * A /24 is small: the few customers' phones in a carrier NAT pool leave little evidence for
       * the collateral guard, and three proxy phones may land in it by chance, so the surge rule
       * asks for 5 addresses and 5 unsuccessful attempts there.
       */
      prefix: subjectSchema('prefix', { ...aggregate(true, 50_000), surge_failures: { log: 3, challenge: 5, block: null }, surge_min_distinct_ips: 5 }).describe('`prefix:<cidr>`: credential stuffing rotating over one /24 or /64.'),
      /** `asn:<n>`: the client autonomous system. */
      asn: subjectSchema('asn', aggregate(true, 20_000)).describe('`asn:<n>`: credential stuffing rotating over one network.'),
      /** `ja4:<fp>`: the TLS fingerprint. */
      ja4: subjectSchema('ja4', aggregate(true, 50_000)).describe('`ja4:<fp>`: credential stuffing from one client stack over many IPs.'),
      ua: subjectSchema('ua', aggregate(true, 50_000)).describe('`ua:<user agent>`: credential stuffing from one user agent over many IPs.'),
    },
    'Per kind of subject: tracked or not, thresholds and the cap on tracked subjects.',
  ),
});

export type CredentialStuffingConfig = z.output<typeof credentialStuffingConfigSchema>;
export type CredentialStuffingSubjectConfig = CredentialStuffingConfig['subjects']['ip'];

/** Validates raw config; every problem is listed with its path. */
export function parseCredentialStuffingConfig(raw: unknown): CredentialStuffingConfig {
  return parseOrThrow(credentialStuffingConfigSchema, raw ?? {}, 'credential-stuffing config');
}

/** Longest look-back: the long distinct IPs cover up to two half-lives (older failures weigh ≤ 1/4). */
export function credentialStuffingLookbackMs(config: CredentialStuffingConfig): number {
  return Math.max(2 * config.window_ms, 2 * config.long_half_life_ms);
}
