/**
 * SASL/OAUTHBEARER tokens for every librdkafka client of one bus, refreshed before they expire.
 *
 * node-rdkafka 3.6 does not hand librdkafka's `oauthbearer_token_refresh_cb` to JavaScript and
 * has no `setOauthBearerTokenFailure`: `client.setOauthBearerToken(token)` is the whole API, and
 * it sets the token with the largest lifetime and an empty principal (src/connection.cc,
 * NodeSetToken), so librdkafka never asks for a new one. The refresh is therefore ours: one
 * timer per bus (not per client) fetches a token `refresh_margin_ms` before the current one
 * expires and sets it on every attached client; librdkafka uses it for the next authentication
 * (new connections and KIP-368 re-authentication). A failed refresh is logged and counted as
 * ERR_BUS_AUTH and retried with back-off while the current token still lasts.
 */
import type { Clock } from '@botsieve/core';
import { REDELIVERY_BACKOFF, backoffDelay, type ComponentTelemetry } from '@botsieve/runtime';
import type { SaslConfig } from '../config.js';
import { busError, messageOf } from '../errors.js';

/** An access token from a credential source, with when it expires and whose it is. */
export interface AccessToken {
  readonly token: string;
  readonly expires_at_ms: number;
  readonly principal: string;
}

/** Where tokens come from; injected in tests, so nothing there touches the network. */
export interface CredentialSource {
  accessToken(): Promise<AccessToken>;
}

/** The part of a node-rdkafka client the refresher needs. */
export interface TokenTarget {
  setOauthBearerToken(token: string): unknown;
}

export interface Timers {
  set(callback: () => void, delay_ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  set: (callback, delay_ms) => setTimeout(callback, delay_ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

const MANAGED_KAFKA_HEADER = base64url(JSON.stringify({ typ: 'JWT', alg: 'GOOG_OAUTH2_TOKEN' }));

/**
 * The OAUTHBEARER token Google's Managed Service for Apache Kafka accepts: three base64url
 * segments, JWT-like but unsigned — header `{"typ":"JWT","alg":"GOOG_OAUTH2_TOKEN"}`, claims
 * `{exp, iss: "Google", iat, sub: <principal>}` in seconds, and the OAuth2 access token itself in
 * the signature slot. This is what Google's own token server for non-Java clients builds
 * (github.com/googleapis/managedkafka, kafka-auth-local-server/kafka_gcp_credentials_server.py;
 * see "Authenticate to the open source Apache Kafka API",
 * https://cloud.google.com/managed-service-for-apache-kafka/docs/authentication-kafka).
 */
export function managedKafkaToken(access: AccessToken, now_ms: number): string {
  const claims = { exp: Math.floor(access.expires_at_ms / 1000), iss: 'Google', iat: Math.floor(now_ms / 1000), sub: access.principal };
  return `${MANAGED_KAFKA_HEADER}.${base64url(JSON.stringify(claims))}.${base64url(access.token)}`;
}

/** Google's access tokens last about an hour; assume this much when a client reports no expiry. */
const DEFAULT_TOKEN_LIFETIME_MS = 3_600_000;

/**
 * Application Default Credentials through google-auth-library (GKE Workload Identity, a key
 * file in GOOGLE_APPLICATION_CREDENTIALS, the metadata server). google-auth-library caches the
 * token and refreshes it itself when it is close to expiry, so asking again is cheap.
 */
export function googleCredentialSource(principal: string | null, clock: Clock): CredentialSource {
  let auth: Promise<import('google-auth-library').GoogleAuth> | undefined;
  let email: string | undefined = principal ?? undefined;
  return {
    async accessToken() {
      auth ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }));
      const google = await auth;
      const client = await google.getClient();
      const { token } = await client.getAccessToken();
      if (token === null || token === undefined || token === '') throw new Error('the Google credentials returned no access token');
      email ??= (await google.getCredentials()).client_email;
      if (email === undefined || email === '') throw new Error('the Google credentials name no service account: set bus.kafka.sasl.principal');
      const expiry = client.credentials.expiry_date;
      return { token, principal: email, expires_at_ms: typeof expiry === 'number' ? expiry : clock.now() + DEFAULT_TOKEN_LIFETIME_MS };
    },
  };
}

export function credentialSource(sasl: SaslConfig, clock: Clock): CredentialSource {
  // One provider today; the map is where another one goes (STYLE: a registry is a plain map).
  const providers: Record<SaslConfig['provider'], () => CredentialSource> = { google: () => googleCredentialSource(sasl.principal, clock) };
  return providers[sasl.provider]();
}

export interface OauthBearerOptions {
  refresh_margin_ms: number;
  clock: Clock;
  telemetry: ComponentTelemetry;
  timers?: Timers;
}

export class OauthBearerTokens {
  private readonly clients = new Set<TokenTarget>();
  private readonly timers: Timers;
  private current: { token: string; expires_at_ms: number } | undefined;
  private first: Promise<void> | undefined;
  private timer: unknown;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly source: CredentialSource,
    private readonly options: OauthBearerOptions,
  ) {
    this.timers = options.timers ?? REAL_TIMERS;
  }

  /** Resolves once a token is held; the first call fetches it (concurrent callers share it). Rejects with ERR_BUS_AUTH. */
  ready(): Promise<void> {
    if (this.current !== undefined) return Promise.resolve();
    if (this.first === undefined) {
      const first = this.fetch().then(() => this.schedule());
      // A failed first fetch is tried again by the next client that connects.
      first.catch(() => {
        if (this.first === first) this.first = undefined;
      });
      this.first = first;
    }
    return this.first;
  }

  /** Sets the current token on `client` (before connect: librdkafka keeps it for the first login) and on every refresh after. */
  attach(client: TokenTarget): void {
    if (this.current === undefined) throw busError('ERR_BUS_AUTH', 'no OAUTHBEARER token yet: await ready() before attaching a client');
    client.setOauthBearerToken(this.current.token);
    this.clients.add(client);
  }

  detach(client: TokenTarget): void {
    this.clients.delete(client);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    this.clients.clear();
  }

  /** When the token held now expires (ms since the epoch); undefined before the first fetch. */
  get expiresAt(): number | undefined {
    return this.current?.expires_at_ms;
  }

  private async fetch(): Promise<void> {
    let access: AccessToken;
    try {
      access = await this.source.accessToken();
    } catch (error) {
      throw busError('ERR_BUS_AUTH', `cannot obtain an OAUTHBEARER token: ${messageOf(error)}`, error);
    }
    const now = this.options.clock.now();
    if (!(access.expires_at_ms > now)) throw busError('ERR_BUS_AUTH', `the OAUTHBEARER token expired already (at ${new Date(access.expires_at_ms).toISOString()})`);
    this.current = { token: managedKafkaToken(access, now), expires_at_ms: access.expires_at_ms };
    for (const client of this.clients) client.setOauthBearerToken(this.current.token);
  }

  /** Next refresh: `refresh_margin_ms` before expiry, or half-way there for a token shorter than twice the margin. */
  private schedule(): void {
    if (this.closed || this.current === undefined) return;
    const left = this.current.expires_at_ms - this.options.clock.now();
    const delay = left > 2 * this.options.refresh_margin_ms ? left - this.options.refresh_margin_ms : Math.max(0, Math.floor(left / 2));
    this.arm(delay);
  }

  private arm(delay_ms: number): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => void this.refresh(), delay_ms);
  }

  private async refresh(): Promise<void> {
    this.timer = undefined;
    if (this.closed) return;
    try {
      await this.fetch();
      this.failures = 0;
      this.options.telemetry.log.debug({ expires_at: new Date(this.current?.expires_at_ms ?? 0).toISOString(), clients: this.clients.size }, 'OAUTHBEARER token refreshed');
      this.schedule();
    } catch (error) {
      if (this.closed) return;
      const left = (this.current?.expires_at_ms ?? 0) - this.options.clock.now();
      this.options.telemetry.fail(error, left > 0 ? `OAUTHBEARER token refresh failed; retrying while the current token lasts (${Math.round(left / 1000)} s)` : 'OAUTHBEARER token refresh failed and the current token has expired: new broker logins fail until a refresh succeeds', 'ERR_BUS_AUTH');
      this.arm(backoffDelay(this.failures, REDELIVERY_BACKOFF));
      this.failures += 1;
    }
  }
}
