/**
 * Configuration of the `probing` detector: requests for sensitive paths (the engine's `probe`
 * feature) and for paths that do not exist (404/410), per subject over an event-time window,
 * with thresholds per kind of subject. Everything a user tunes is here, as data.
 */
import { z } from 'zod';
import type { SubjectKind } from '@botsieve/core';
import { kindEnabledSchema, maxTrackedSubjectsSchema, subjectsSchema, type TrackedKindDefaults } from '../engine/config-fragments.js';
import { levelsSchema, reemitMsSchema, type LevelValues } from '../engine/levels.js';
import { parseOrThrow } from '../parse-or-throw.js';

interface SubjectDefaults extends TrackedKindDefaults {
  probes: LevelValues;
  min_probe_ips: number;
  min_probe_ratio: number;
  not_found: LevelValues;
  min_requests: number;
  min_not_found_ratio: number;
}

function subjectSchema(kind: SubjectKind, d: SubjectDefaults) {
  return z
    .strictObject({
      /** Track subjects of this kind. */
      enabled: kindEnabledSchema('Track', kind, d.enabled),
      /** Most subjects of this kind tracked at once; only subjects with a probe or a 404 get state. */
      max_tracked_subjects: maxTrackedSubjectsSchema(d.max_tracked_subjects, 'Most subjects of this kind tracked at once (only subjects with a probe or a 404 get state); when full the least recently seen is evicted.'),
      probes: levelsSchema('Requests for sensitive paths per window', d.probes).describe('Requests for sensitive paths (`.env`, `.git/`, admin panels, backups…) per window.'),
      min_probe_ips: z.number().int().positive().default(d.min_probe_ips).describe('The probes rule needs at least this many distinct client IPs in steps with probes (an `ip:` subject is one).'),
      min_probe_ratio: z.number().min(0).max(1).default(d.min_probe_ratio).describe('The probes rule needs probes / requests at or above this (0: any share); keeps a few curious humans on a big network from adding up.'),
      /** 404/410 answers per window, with the ratio and the minimum of requests below. */
      not_found: levelsSchema('Not-found answers (404/410) per window', d.not_found).describe('Not-found answers (404/410) per window, with not_found / requests ≥ min_not_found_ratio over ≥ min_requests requests.'),
      min_requests: z.number().int().positive().default(d.min_requests).describe('The not_found rule needs at least this many requests in the window (a couple of broken links never add up).'),
      min_not_found_ratio: z.number().min(0).max(1).default(d.min_not_found_ratio).describe('The not_found rule needs not_found / requests at or above this.'),
    })
    .prefault({});
}

// Aggregates: probes from several IPs and a share of the subject's requests no human population
// shows; 404s only as a majority of many requests. They stop at `challenge`.
const aggregate = (max_tracked_subjects: number, probes: LevelValues, min_probe_ips: number, not_found: LevelValues, min_requests: number): SubjectDefaults => ({
  enabled: true,
  max_tracked_subjects,
  probes,
  min_probe_ips,
  min_probe_ratio: 0.01,
  not_found,
  min_requests,
  min_not_found_ratio: 0.5,
});

export const probingConfigSchema = z.strictObject({
  window_ms: z.number().int().positive().default(600_000).describe('Requests are judged over the current and the previous window, i.e. one to two windows of event time.'),
  /** Cooldown: a subject gets a new signal only when the action escalates or its last one is this old. */
  reemit_ms: reemitMsSchema,
  /** Per kind of subject: tracked or not, thresholds and the cap on tracked subjects. */
  subjects: subjectsSchema(
    {
      /**
       * `ip:` One probe: log; three within the window: block. 404s: log at 10 and challenge at 100
       * when they are half of ≥ 20 requests (a human's broken links stay far below); never block.
       */
      ip: subjectSchema('ip', {
        enabled: true,
        max_tracked_subjects: 100_000,
        probes: { log: 1, challenge: null, block: 3 },
        min_probe_ips: 1,
        min_probe_ratio: 0,
        not_found: { log: 10, challenge: 100, block: null },
        min_requests: 20,
        min_not_found_ratio: 0.5,
      }).describe('`ip:<ip>`: one address scanning.'),
      /** `prefix:<cidr>`: the client /24 (IPv4) or /64 (IPv6). */
      prefix: subjectSchema('prefix', aggregate(50_000, { log: 5, challenge: 20, block: null }, 3, { log: 50, challenge: 500, block: null }, 100)).describe('`prefix:<cidr>`: a scan spread over one /24 or /64.'),
      /** `asn:<n>`: the client autonomous system. */
      asn: subjectSchema('asn', aggregate(20_000, { log: 10, challenge: 50, block: null }, 5, { log: 100, challenge: 1_000, block: null }, 200)).describe('`asn:<n>`: a scan spread over one network.'),
      /** `ja4:<fp>`: the TLS fingerprint. */
      ja4: subjectSchema('ja4', aggregate(50_000, { log: 10, challenge: 50, block: null }, 5, { log: 100, challenge: 1_000, block: null }, 200)).describe('`ja4:<fp>`: a scan from one client stack over many IPs.'),
      ua: subjectSchema('ua', aggregate(50_000, { log: 10, challenge: 50, block: null }, 5, { log: 100, challenge: 1_000, block: null }, 200)).describe('`ua:<user agent>`: a scan from one user agent over many IPs.'),
    },
    'Per kind of subject: tracked or not, thresholds and the cap on tracked subjects.',
  ),
});

export type ProbingConfig = z.output<typeof probingConfigSchema>;
export type ProbingSubjectConfig = ProbingConfig['subjects']['ip'];

/** Validates raw config; every problem is listed with its path. */
export function parseProbingConfig(raw: unknown): ProbingConfig {
  return parseOrThrow(probingConfigSchema, raw ?? {}, 'probing config');
}

/** Longest look-back: the window covers up to two window lengths. */
export function probingLookbackMs(config: ProbingConfig): number {
  return 2 * config.window_ms;
}
