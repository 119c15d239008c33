/**
 * The whole configuration: one section per package, each validated by that package's schema.
 * Precedence, lowest first: defaults, `--config FILE` (JSON), `BOTSIEVE_*` environment
 * variables following the schema path, command-line flags.
 */
import { z } from 'zod';
import { busConfigSchema } from '@botsieve/bus';
import { detectConfigSchema } from '@botsieve/detectors';
import { ingestConfigSchema } from '@botsieve/ingest';
import { configFromEnv, mergeConfig, parseConfig, readConfigFile } from '@botsieve/runtime';
import { sinksConfigSchema } from '@botsieve/sinks';

export const botsieveConfigSchema = z
  .object({
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level of the pino logger (logs go to stderr).'),
    admin: z
      .object({
        host: z.string().default('0.0.0.0').describe('Address of the admin server (health, readiness, metrics, active verdicts).'),
        port: z.number().int().min(0).max(65535).default(9464).describe('Port of the admin server; 0 picks a free one.'),
      })
      .strict()
      .prefault({})
      .describe('Admin HTTP server every role runs.'),
    bus: busConfigSchema.prefault({}).describe('The bus between tiers: embedded (in-process) or Kafka.'),
    ingest: ingestConfigSchema.prefault({}).describe('The ingest tier: Logpush destination, /events, /stream.'),
    detect: detectConfigSchema.prefault({}).describe('The detector tier: runtime settings and the detectors it runs.'),
    sinks: sinksConfigSchema.prefault({}).describe('Where verdicts and dead letters go.'),
  })
  .strict();

export type BotsieveConfig = z.output<typeof botsieveConfigSchema>;

export interface ConfigSources {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Flag overrides, already shaped like the config. */
  flags?: Record<string, unknown>;
}

export function loadConfig(sources: ConfigSources = {}): BotsieveConfig {
  let raw: unknown = {};
  if (sources.file !== undefined) raw = mergeConfig(raw, readConfigFile(sources.file));
  raw = mergeConfig(raw, configFromEnv(sources.env ?? {}));
  raw = mergeConfig(raw, sources.flags ?? {});
  return parseConfig(botsieveConfigSchema, raw, 'botsieve configuration');
}
