/**
 * The whole configuration: one section per package, each validated by that package's schema.
 * Precedence, lowest first: defaults, `--config FILE` (JSON), `BOTSIEVE_*` environment
 * variables following the schema path, command-line flags.
 */
import { z } from 'zod';
import { busConfigSchema } from '@botsieve/bus';
import { decideConfigSchema } from '@botsieve/decisions';
import { detectConfigSchema } from '@botsieve/detectors';
import { ingestConfigSchema } from '@botsieve/ingest';
import { configFromEnv, mergeConfig, parseConfig, readConfigFile } from '@botsieve/runtime';
import { sinksConfigSchema } from '@botsieve/sinks';

/**
 * The admin server. /verdicts and /sinks show client IPs with their evidence, so it listens on
 * loopback unless told otherwise, and a token can guard everything but the probes.
 */
export const adminConfigSchema = z
  .object({
    /**
     * Address the admin server listens on. Loopback by default; in Kubernetes set 0.0.0.0 so
     * Prometheus and the probes can reach it, together with `auth.token` or a network policy
     * (a warning is logged at start when it listens beyond loopback without a token).
     */
    host: z.string().min(1).default('127.0.0.1').describe('Address the admin server (health, readiness, metrics, active verdicts, sinks) listens on; loopback by default. In Kubernetes set 0.0.0.0 so Prometheus can scrape it, together with auth.token or a network policy (a warning is logged at start when it listens beyond loopback without a token).'),
    /** Port of the admin server; 0 picks a free one. */
    port: z.number().int().min(0).max(65535).default(9464).describe('Port of the admin server; 0 picks a free one.'),
    auth: z
      .object({
        /** Request header carrying the token; matched case-insensitively. */
        header: z.string().min(1).default('authorization').transform((name) => name.toLowerCase()).describe('Request header carrying the admin token (matched case-insensitively).'),
        /** Expected header value, e.g. `Bearer SECRET`; null leaves every route open. Never logged. */
        token: z.string().min(1).nullable().default(null).describe('Expected header value, e.g. "Bearer SECRET", required on every admin route except /healthz and /readyz (401 without it); null turns authentication off. Never logged.'),
      })
      .strict()
      .prefault({})
      .describe('Authentication of the admin server by a shared token in a header; /healthz and /readyz stay open for Kubernetes probes.'),
  })
  .strict();

export type AdminConfig = z.output<typeof adminConfigSchema>;

/**
 * How a process stops on SIGTERM: readiness fails first, the servers keep serving for
 * `readiness_delay_ms` while load balancers notice, then each tier drains with its own timeout.
 */
export const shutdownConfigSchema = z
  .object({
    /**
     * 0 (the default) drains at once, right for one machine. Behind a load balancer set it to the
     * time the balancer takes to stop sending after /readyz fails (Kubernetes endpoints and a GKE
     * Gateway: 10 s); the pod's terminationGracePeriodSeconds must cover it plus the drains.
     */
    readiness_delay_ms: z.number().int().nonnegative().default(0).describe('On SIGTERM, how long /readyz answers 503 while ingest and the decision service still serve, before they stop accepting and drain; 0 drains at once. Behind a load balancer, the time it takes to stop sending (10 s in Kubernetes); terminationGracePeriodSeconds must cover it plus the drains.'),
  })
  .strict();

export const botsieveConfigSchema = z
  .object({
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level of the pino logger (logs go to stderr).'),
    admin: adminConfigSchema.prefault({}).describe('Admin HTTP server every role runs.'),
    bus: busConfigSchema.prefault({}).describe('The bus between tiers: embedded (in-process) or Kafka.'),
    ingest: ingestConfigSchema.prefault({}).describe('The ingest tier: Logpush destination, /events, /stream.'),
    detect: detectConfigSchema.prefault({}).describe('The detector tier: runtime settings and the detectors it runs.'),
    sinks: sinksConfigSchema.prefault({}).describe('Where verdicts and dead letters go.'),
    shutdown: shutdownConfigSchema.prefault({}).describe('How a process stops on SIGTERM: fail readiness, keep serving for readiness_delay_ms, then drain each tier.'),
    decide: decideConfigSchema.prefault({}).describe('The decision service: every active verdict in memory, GET /v1/decision, POST /v1/decisions and the verdict stream (role decide).'),
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
