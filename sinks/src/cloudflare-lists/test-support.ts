/** Shared by the cloudflare-lists tests: a server with the four lists, sinks pointed at it, verdicts. */
import { Writable } from 'node:stream';
import type { Clock, SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import { Telemetry, systemClock } from '@botsieve/runtime';
import { CloudflareApiServer, type CloudflareApiServerOptions } from '@botsieve/testkit';
import { CloudflareListsSink } from './cloudflare-lists.js';
import { cloudflareListsConfigSchema, type CloudflareListsConfig } from './config.js';

export { until } from '@botsieve/testkit';

export const LISTS = {
  block_ip: 'botsieve_block_ip',
  challenge_ip: 'botsieve_challenge_ip',
  block_asn: 'botsieve_block_asn',
  challenge_asn: 'botsieve_challenge_asn',
} as const;

/** A server holding the four lists (unless `without_lists`). */
export async function startServer(options: CloudflareApiServerOptions & { without_lists?: boolean } = {}): Promise<CloudflareApiServer> {
  const server = await CloudflareApiServer.start(options);
  if (options.without_lists !== true) {
    server.createList(LISTS.block_ip, 'ip');
    server.createList(LISTS.challenge_ip, 'ip');
    server.createList(LISTS.block_asn, 'asn');
    server.createList(LISTS.challenge_asn, 'asn');
  }
  return server;
}

export function configFor(server: CloudflareApiServer, overrides: Partial<Record<keyof CloudflareListsConfig, unknown>> = {}): CloudflareListsConfig {
  return cloudflareListsConfigSchema.parse({
    api_token: server.token,
    account_id: server.account_id,
    base_url: server.baseURL,
    operation_poll_interval_ms: 5,
    request_timeout_ms: 2_000,
    ...overrides,
  });
}

/** Telemetry whose log lines (JSON) are kept in `lines`. */
export function capturingTelemetry(): { telemetry: Telemetry; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { telemetry: new Telemetry({ level: 'debug', destination }), lines };
}

export function makeSink(config: CloudflareListsConfig, clock: Clock = systemClock, telemetry?: Telemetry) {
  const captured = telemetry === undefined ? capturingTelemetry() : { telemetry, lines: [] };
  const sink = new CloudflareListsSink(config, { telemetry: captured.telemetry.component('sink.cloudflare-lists'), clock });
  return { sink, telemetry: captured.telemetry, lines: captured.lines };
}

export interface VerdictOptions {
  score?: number;
  ttl_ms?: number;
  decided_at?: number;
  requests?: number;
  id?: string;
}

export function verdict(subject: SubjectKey, action: VerdictAction, options: VerdictOptions = {}): Verdict {
  const decided_at = options.decided_at ?? Date.now();
  const score = options.score ?? (action === 'block' ? 5 : 25);
  return {
    id: options.id ?? `${subject}/${action}/${decided_at}`,
    subject,
    action,
    score,
    ttl_ms: options.ttl_ms ?? 3_600_000,
    decided_at,
    detectors: [{ id: 'volumetric', score, evidence: options.requests === undefined ? {} : { requests: options.requests } }],
  };
}

/** Sum of a metric's samples whose label set contains `label`. */
export async function metric(telemetry: Telemetry, name: string, label = ''): Promise<number> {
  const text = await telemetry.exposition();
  let total = 0;
  for (const line of text.split('\n')) if ((line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(label)) total += Number(line.split(' ').pop());
  return total;
}
