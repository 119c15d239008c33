import test from 'ava';
import { Writable } from 'node:stream';
import { ManualClock, Telemetry, nullTelemetry } from '@botsieve/runtime';
import { busConfigSchema } from '../config.js';
import { KafkaBus } from './kafka-bus.js';
import { consumerOptions, metadataClientOptions, producerOptions } from './kafka-options.js';
import { OauthBearerTokens, managedKafkaToken, type AccessToken, type CredentialSource, type Timers } from './oauthbearer.js';

const HOUR = 3_600_000;
const MARGIN = 300_000;
const PRINCIPAL = 'botsieve@project.iam.gserviceaccount.com';

function decode(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

/** Timers the test fires by hand: the refresher's delays are asserted, never slept through. */
function manualTimers(): Timers & { pending: { callback: () => void; delay_ms: number }[]; fire(): Promise<void> } {
  const pending: { callback: () => void; delay_ms: number }[] = [];
  return {
    pending,
    set(callback, delay_ms) {
      const entry = { callback, delay_ms };
      pending.push(entry);
      return entry;
    },
    clear(handle) {
      const index = pending.indexOf(handle as (typeof pending)[number]);
      if (index >= 0) pending.splice(index, 1);
    },
    async fire() {
      const entry = pending.shift();
      if (entry === undefined) throw new Error('no timer armed');
      entry.callback();
      // Let the refresh's awaits (credential source, then scheduling) run.
      for (let i = 0; i < 10; i += 1) await Promise.resolve();
    },
  };
}

/** Hands out scripted answers: an AccessToken, or an Error to throw. */
function scriptedSource(answers: (AccessToken | Error)[]): CredentialSource & { calls: number } {
  const source = {
    calls: 0,
    async accessToken(): Promise<AccessToken> {
      const answer = answers[Math.min(source.calls, answers.length - 1)];
      source.calls += 1;
      if (answer === undefined) throw new Error('no answer scripted');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return source;
}

function captureLogs(): { telemetry: Telemetry; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({ write: (chunk, _encoding, callback) => (chunks.push(String(chunk)), callback()) });
  const telemetry = new Telemetry({ level: 'debug', destination, processMetrics: false });
  return { telemetry, lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function target(): { setOauthBearerToken(token: string): void; tokens: string[] } {
  const tokens: string[] = [];
  return { tokens, setOauthBearerToken: (token) => void tokens.push(token) };
}

test('the Managed Kafka token is header.claims.access-token in base64url, as Google builds it', (t) => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0, 500);
  const token = managedKafkaToken({ token: 'ya29.access/token+with=chars', expires_at_ms: now + HOUR, principal: PRINCIPAL }, now);
  const segments = token.split('.');
  t.is(segments.length, 3);
  t.notRegex(token, /[=+/]/, 'base64url without padding');
  t.deepEqual(decode(segments[0]!), { typ: 'JWT', alg: 'GOOG_OAUTH2_TOKEN' });
  t.deepEqual(decode(segments[1]!), { exp: Math.floor((now + HOUR) / 1000), iss: 'Google', iat: Math.floor(now / 1000), sub: PRINCIPAL });
  t.is(Buffer.from(segments[2]!, 'base64url').toString('utf8'), 'ya29.access/token+with=chars');
});

test('one fetch serves every client; a refresh runs refresh_margin_ms before expiry and reaches every attached client', async (t) => {
  const clock = new ManualClock(1_000_000);
  const timers = manualTimers();
  const source = scriptedSource([
    { token: 'first', expires_at_ms: clock.now() + HOUR, principal: PRINCIPAL },
    { token: 'second', expires_at_ms: clock.now() + 2 * HOUR, principal: PRINCIPAL },
  ]);
  const tokens = new OauthBearerTokens(source, { refresh_margin_ms: MARGIN, clock, telemetry: nullTelemetry().component('bus'), timers });
  await Promise.all([tokens.ready(), tokens.ready(), tokens.ready()]);
  t.is(source.calls, 1, 'concurrent connects share one fetch');
  const producer = target();
  const consumer = target();
  const gone = target();
  tokens.attach(producer);
  tokens.attach(consumer);
  tokens.attach(gone);
  tokens.detach(gone);
  t.is(Buffer.from(producer.tokens[0]!.split('.')[2]!, 'base64url').toString(), 'first');
  t.deepEqual(timers.pending.map((timer) => timer.delay_ms), [HOUR - MARGIN]);

  clock.advance(HOUR - MARGIN);
  await timers.fire();
  t.is(source.calls, 2);
  for (const client of [producer, consumer]) {
    t.is(client.tokens.length, 2);
    t.is(Buffer.from(client.tokens[1]!.split('.')[2]!, 'base64url').toString(), 'second');
  }
  t.is(gone.tokens.length, 1, 'a detached client gets no more tokens');
  t.is(tokens.expiresAt, 1_000_000 + 2 * HOUR);
  t.deepEqual(timers.pending.map((timer) => timer.delay_ms), [2 * HOUR - (HOUR - MARGIN) - MARGIN]);

  tokens.close();
  t.deepEqual(timers.pending, [], 'close disarms the refresh');
});

test('a token shorter than twice the margin is refreshed half-way to its expiry', async (t) => {
  const clock = new ManualClock(0);
  const timers = manualTimers();
  const tokens = new OauthBearerTokens(scriptedSource([{ token: 'short', expires_at_ms: 200_000, principal: PRINCIPAL }]), { refresh_margin_ms: MARGIN, clock, telemetry: nullTelemetry().component('bus'), timers });
  await tokens.ready();
  t.deepEqual(timers.pending.map((timer) => timer.delay_ms), [100_000]);
  tokens.close();
});

test('a failed refresh keeps the current token, is logged and counted as ERR_BUS_AUTH, and is retried with back-off', async (t) => {
  const clock = new ManualClock(0);
  const timers = manualTimers();
  const source = scriptedSource([
    { token: 'first', expires_at_ms: HOUR, principal: PRINCIPAL },
    new Error('metadata server unreachable'),
    new Error('metadata server unreachable'),
    { token: 'third', expires_at_ms: 2 * HOUR, principal: PRINCIPAL },
  ]);
  const { telemetry, lines } = captureLogs();
  const tokens = new OauthBearerTokens(source, { refresh_margin_ms: MARGIN, clock, telemetry: telemetry.component('bus'), timers });
  await tokens.ready();
  const client = target();
  tokens.attach(client);

  clock.advance(HOUR - MARGIN);
  await timers.fire();
  t.is(client.tokens.length, 1, 'the current token stays in place');
  t.deepEqual(timers.pending.map((timer) => timer.delay_ms), [200]);
  await timers.fire();
  t.deepEqual(timers.pending.map((timer) => timer.delay_ms), [400], 'the back-off doubles');
  await timers.fire();
  t.is(client.tokens.length, 2);
  t.is(tokens.expiresAt, 2 * HOUR);

  const failures = lines().filter((line) => line.code === 'ERR_BUS_AUTH');
  t.is(failures.length, 2);
  t.like(failures[0], { severity: 'ERROR', component: 'bus' });
  t.regex(String(failures[0]!.message), /refresh failed; retrying while the current token lasts \(300 s\)/);
  t.regex(await telemetry.exposition(), /botsieve_errors_total\{component="bus",code="ERR_BUS_AUTH"\} 2/);
  tokens.close();
});

test('no first token: ready() rejects with ERR_BUS_AUTH, and the next ready() asks again', async (t) => {
  const clock = new ManualClock(10_000);
  const source = scriptedSource([new Error('no credentials'), { token: 'late', expires_at_ms: 5_000, principal: PRINCIPAL }, { token: 'ok', expires_at_ms: HOUR, principal: PRINCIPAL }]);
  const tokens = new OauthBearerTokens(source, { refresh_margin_ms: MARGIN, clock, telemetry: nullTelemetry().component('bus'), timers: manualTimers() });
  await t.throwsAsync(tokens.ready(), { code: 'ERR_BUS_AUTH', message: /no credentials/ });
  t.throws(() => tokens.attach(target()), { code: 'ERR_BUS_AUTH' });
  await t.throwsAsync(tokens.ready(), { code: 'ERR_BUS_AUTH', message: /expired already/ });
  await tokens.ready();
  t.is(source.calls, 3);
  tokens.close();
});

test('SASL settings reach producers, consumers and the health client; kafka.extra still wins', (t) => {
  const oauth = busConfigSchema.parse({ kind: 'kafka', kafka: { sasl: { mechanism: 'oauthbearer' } } }).kafka;
  for (const { global } of [producerOptions(oauth), consumerOptions(oauth, { group_id: 'g', topics: ['t'], from: 'earliest', max_batch_records: 1 }, {}), metadataClientOptions(oauth)]) {
    t.like(global, { 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'OAUTHBEARER' });
  }
  const plain = busConfigSchema.parse({ kind: 'kafka', kafka: { sasl: { mechanism: 'plain', username: PRINCIPAL, password: 'secret' }, extra: { 'security.protocol': 'SASL_PLAINTEXT' } } }).kafka;
  t.like(producerOptions(plain).global, { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanisms': 'PLAIN', 'sasl.username': PRINCIPAL, 'sasl.password': 'secret' });
  const none = producerOptions(busConfigSchema.parse({ kind: 'kafka' }).kafka).global as Record<string, unknown>;
  t.false('security.protocol' in none);
  t.false('sasl.mechanisms' in none);
});

test('plain without username or password is refused at boot', (t) => {
  const result = busConfigSchema.safeParse({ kind: 'kafka', kafka: { sasl: { mechanism: 'plain', username: PRINCIPAL } } });
  t.false(result.success);
  t.regex(JSON.stringify(result.error?.issues), /bus\.kafka\.sasl\.password is required/);
});

test('a Kafka bus with oauthbearer fails to connect with ERR_BUS_AUTH when no token can be had, before dialling a broker', async (t) => {
  const config = busConfigSchema.parse({ kind: 'kafka', kafka: { brokers: '127.0.0.1:1', connect_timeout_ms: 500, sasl: { mechanism: 'oauthbearer', security_protocol: 'sasl_plaintext' } } });
  const bus = new KafkaBus(config, nullTelemetry(), { credentials: scriptedSource([new Error('workload identity is not set up')]) });
  t.teardown(() => bus.close());
  await t.throwsAsync(bus.producer().connect(), { code: 'ERR_BUS_AUTH', message: /workload identity is not set up/ });
  t.false(await bus.healthcheck(200));
});

test('a real node-rdkafka client takes the token before it connects (the connect then fails on the unreachable broker, not on the token)', async (t) => {
  const config = busConfigSchema.parse({ kind: 'kafka', kafka: { brokers: '127.0.0.1:1', connect_timeout_ms: 500, sasl: { mechanism: 'oauthbearer', security_protocol: 'sasl_plaintext' } } });
  const source = scriptedSource([{ token: 'ya29.test', expires_at_ms: Date.now() + HOUR, principal: PRINCIPAL }]);
  const bus = new KafkaBus(config, nullTelemetry(), { credentials: source });
  t.teardown(() => bus.close());
  await t.throwsAsync(bus.producer().connect(), { code: 'ERR_BUS_CONNECT' });
  t.is(source.calls, 1);
});
