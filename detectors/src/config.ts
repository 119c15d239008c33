/**
 * Configuration of the detector tier: runtime settings (lateness, flushing, batching) and the
 * detectors it runs. Each detector's own `config` is validated by its factory's `parseConfig`
 * while this schema parses, so a bad threshold fails at boot with ERR_DETECTOR_CONFIG and the
 * detector's id in the message.
 */
import { z } from 'zod';
import { BotsieveError, isBotsieveError } from '@botsieve/core';
import type { AnyEngineDetectorFactory } from './engine/registry-types.js';
import { classifyConfigSchema, clientMemoryConfigSchema, trafficContextConfigSchema } from './features/config.js';
import { fusionConfigSchema } from './fusion/config.js';
import { safelistConfigSchema } from './safelist/index.js';
import { DETECTOR_ERRORS } from './errors.js';
import { parseOrThrow } from './parse-or-throw.js';
import { DETECTOR_TYPES, registry, type DetectorType } from './registry.js';

/**
 * `enforce`: verdicts go out as decided. `shadow`: verdicts are still produced, sent and
 * counted, but their action is forced to `log` (id recomputed, score and evidence unchanged; a
 * score ≤ 29 on a `log` verdict shows what enforcement would have done). Verdicts keep core's
 * shape, so every sink handles shadow verdicts without knowing about modes.
 */
export const DETECTOR_MODES = ['enforce', 'shadow'] as const;
export type DetectorMode = (typeof DETECTOR_MODES)[number];

const DETECTOR_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * The default detector set: every type once, in this order. Event detectors run before summary
 * detectors whatever their place, in list order among themselves: heuristics, then the
 * single-shot `attack-signatures`, the seconds-fast `address-bursts` and `inventory-hoarding`.
 */
const DEFAULT_DETECTORS: DetectorType[] = ['heuristics', 'volumetric', 'l7-flood', 'scraping', 'credential-stuffing', 'probing', 'load-bucket', 'attack-signatures', 'address-bursts', 'inventory-hoarding'];

export const detectorEntrySchema = z
  .strictObject({
    type: z.enum(DETECTOR_TYPES).describe('Detector type (a key of the detector registry).'),
    /** Names this instance in verdicts (`detectors[].id`) and in metrics: lower case, digits, `-`, `_`. */
    id: z.string().regex(DETECTOR_ID, 'lower case letters, digits, - and _, at most 63').describe('Names this instance in verdicts and metrics.'),
    mode: z.enum(DETECTOR_MODES).default('enforce').describe('`enforce`, or `shadow`: verdicts are produced and counted with their action forced to `log`.'),
    config: z.record(z.string(), z.unknown()).prefault({}).describe("The detector's own configuration, validated by its factory."),
  })
  .transform((entry) => ({ ...entry, config: parseDetectorConfig(entry.type, entry.id, entry.config) as unknown }));

export const detectConfigSchema = z
  .strictObject({
    allowed_lateness_ms: z.number().int().nonnegative().default(5_000).describe('Events older than the newest event time seen minus this are late: counted (discarded `late`) and dropped.'),
    /**
     * The detector service caps an event's time at (wall clock + this) before it reaches an
     * engine: a later timestamp is clamped to that ceiling (the event is still judged, and counted
     * as botsieve_corrected_total{reason="future_timestamp"}), so one event dated in the future cannot drag the
     * watermark ahead and make every current event late. Keep it below `allowed_lateness_ms`:
     * real-time events then stay on time whatever timestamps a producer writes. Replay has no
     * wall clock and trusts the file's timestamps.
     */
    max_future_skew_ms: z.number().int().nonnegative().default(1_000).describe('Event times later than the record\'s append time (or the wall clock, if earlier) plus this are clamped to it before detection (counted in botsieve_corrected_total{reason="future_timestamp"}; the event is still judged); keep it below `allowed_lateness_ms`. Not applied by replay.'),
    flush_interval_ms: z.number().int().positive().default(1_000).describe('Wall-clock tick of the detector service; after this long without events, event time is advanced by the time elapsed so windows close.'),
    flush_step_ms: z.number().int().positive().default(1_000).describe('Detectors are flushed each time the watermark crosses a multiple of this (event time).'),
    /** Most event time an idle flush may add after the last event; bounds how late a stalled source may resume without its events counting as late. */
    idle_advance_max_ms: z.number().int().nonnegative().default(60_000).describe('Most event time idle flushing may add after the last event seen.'),
    group_id: z.string().min(1).default('botsieve-detect').describe('Consumer group of the detector tier; instances sharing it split the event partitions between them.'),
    /** Largest batch the service's consumer hands to its handler. */
    max_batch_records: z.number().int().positive().max(100_000).default(1_000).describe('Largest batch of events the detector service consumes at once.'),
    /**
     * Where prefix/ASN/JA4 subjects are aggregated. `local`: in this process (one instance sees
     * everything: the embedded default). `bus`: partial summaries go to the rollups topic keyed
     * by subject and the aggregation stage merges every instance's share. `auto`: bus on Kafka,
     * local on the embedded bus.
     */
    aggregation: z.enum(['auto', 'local', 'bus']).default('auto').describe('Where prefix/ASN/JA4 subjects are aggregated: `local` (this process), `bus` (rollups topic + aggregation stage), `auto` (bus on Kafka, local on the embedded bus).'),
    aggregate_group_id: z.string().min(1).default('botsieve-aggregate').describe('Consumer group of the aggregation stage (consumes the rollups topic).'),
    summary_step_ms: z.number().int().min(100).max(60_000).default(1_000).describe('Event-time step of per-subject summaries (the granularity of detector windows).'),
    /** Most open summaries before they are handed out early (bounded memory under an IP spray). */
    max_open_summaries: z.number().int().positive().max(10_000_000).default(200_000).describe('Most open per-subject summaries before they are handed out early.'),
    /**
     * When a partition moves to this instance, its windows are rebuilt by replaying it from
     * (now − the longest detector lookback), at most this far back.
     */
    rebuild_max_ms: z.number().int().nonnegative().default(4 * 3_600_000).describe('Longest replay that rebuilds windows when a partition moves here (0: no rebuild).'),
    /** How requests are classified before the detectors (login, probe, asset, route). */
    classify: classifyConfigSchema.describe('How requests are classified before the detectors (login, probes, assets, routes, low score).'),
    /** Route spike and origin load detection that every detector sees as event features. */
    traffic: trafficContextConfigSchema.describe('Route spike and origin load context (event features).'),
    /** Which client addresses were seen before, and which loaded a page's assets (event features). */
    clients: clientMemoryConfigSchema.describe('Client memory: addresses seen recently, addresses that browsed and addresses in a session (event features new_client, known_browser, in_session).'),
    /** Subjects never acted on: configured CIDRs/ASNs/JA4s, private ranges, verified crawlers' data. */
    safelist: safelistConfigSchema.describe('Subjects never acted on, and the verified crawlers data.'),
    fusion: fusionConfigSchema.describe('How detector signals fuse into verdicts (score, action, TTL, escalation).'),
    /** The detectors to run, in order. */
    detectors: z
      .array(detectorEntrySchema)
      .min(1)
      .prefault(DEFAULT_DETECTORS.map((type) => ({ type, id: type })))
      .superRefine((entries, ctx) => {
        const seen = new Set<string>();
        entries.forEach((entry, i) => {
          if (seen.has(entry.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate detector id "${entry.id}"` });
          seen.add(entry.id);
        });
      })
      .describe('The detectors to run, in order; default: every detector type once, enforced.'),
  })
  .strict();

export type DetectConfig = z.output<typeof detectConfigSchema>;
export type DetectConfigInput = z.input<typeof detectConfigSchema>;
export type DetectorEntry = DetectConfig['detectors'][number];

/** Validates one detector's config with its factory; errors name the detector. */
export function parseDetectorConfig(type: string, id: string, raw: unknown, factories: Readonly<Record<string, AnyEngineDetectorFactory>> = registry): unknown {
  const factory = Object.hasOwn(factories, type) ? factories[type] : undefined;
  if (factory === undefined) {
    throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `detector "${id}": unknown type "${type}" (known: ${Object.keys(factories).join(', ')})`);
  }
  try {
    return factory.parseConfig(raw);
  } catch (cause) {
    const message = isBotsieveError(cause) || cause instanceof Error ? cause.message : String(cause);
    throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `detector "${id}" (${type}): ${message}`, { cause });
  }
}

/**
 * Parses a whole DetectConfig. Structural problems (unknown keys, wrong types) throw
 * ERR_DETECTOR_CONFIG listing every problem with its path; a detector's own config is checked by
 * its factory (also ERR_DETECTOR_CONFIG).
 */
export function parseDetectConfig(raw: unknown): DetectConfig {
  return parseOrThrow(detectConfigSchema, raw ?? {}, 'detect config');
}
