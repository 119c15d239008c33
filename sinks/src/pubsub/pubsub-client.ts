/**
 * What the publisher and the subscriber share: the client and how gRPC status codes map onto the
 * sinks' error catalogue. A message's data is the verdict in core's codec (encodeVerdict/decodeVerdict).
 */
import { PubSub } from '@google-cloud/pubsub';
import { SINK_ERRORS } from '../errors.js';
import type { PubSubConfig } from './config.js';

/** Attributes of every published verdict. */
export const ATTRIBUTE = { region: 'region', verdict_id: 'verdict_id' } as const;

/**
 * A client for the configured project. With `emulator_host` the client (v6,
 * `PubSub.determineBaseUrl_`) takes `apiEndpoint` apart into `servicePath` and `port` and, for a
 * host that is not `*.googleapis.com`, switches to insecure channel credentials (`sslCreds`), which
 * google-gax then uses instead of Google auth: no `PUBSUB_EMULATOR_HOST` needed. `emulatorMode`
 * makes that explicit for any host name. `universeDomain` is given because gax's `createStub`
 * otherwise asks Application Default Credentials for it, which probes the GCE metadata server
 * (a non-loopback request and a `MetadataLookupWarning` off GCP).
 */
export function createPubSub(config: PubSubConfig): PubSub {
  if (config.emulator_host === undefined) return new PubSub({ projectId: config.project_id });
  return new PubSub({ projectId: config.project_id, apiEndpoint: config.emulator_host, emulatorMode: true, universeDomain: 'googleapis.com' });
}

/** gRPC status codes (numbers, as in `@grpc/grpc-js`'s `status`). */
export const GRPC = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
  DATA_LOSS: 15, UNAUTHENTICATED: 16,
} as const;

const CODE_NAMES = new Map<number, string>(Object.entries(GRPC).map(([name, code]) => [code, name]));

export type Outcome = 'retry' | 'rejected' | 'config';

/**
 * What a failed call means. The sink is misconfigured when the topic or subscription is missing or
 * we may not use it; the items are invalid on INVALID_ARGUMENT (retrying cannot help); anything
 * else (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, ABORTED, CANCELLED, UNKNOWN,
 * or no code at all) may pass later.
 */
export function classify(error: unknown): Outcome {
  switch (grpcCode(error)) {
    case GRPC.NOT_FOUND:
    case GRPC.PERMISSION_DENIED:
    case GRPC.UNAUTHENTICATED:
      return 'config';
    case GRPC.INVALID_ARGUMENT:
      return 'rejected';
    default:
      return 'retry';
  }
}

export function errorCodeFor(outcome: Outcome): string {
  if (outcome === 'config') return SINK_ERRORS.ERR_SINK_CONFIG.code;
  if (outcome === 'rejected') return SINK_ERRORS.ERR_SINK_REJECTED.code;
  return SINK_ERRORS.ERR_SINK_UNAVAILABLE.code;
}

export function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** `UNAVAILABLE`, `NOT_FOUND`, … for logs (a small fixed set). */
export function grpcCodeName(error: unknown): string {
  const code = grpcCode(error);
  return code === undefined ? 'NONE' : (CODE_NAMES.get(code) ?? String(code));
}
