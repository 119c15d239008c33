/** The guard through real sockets on node:http, Express and Fastify: the same cases on each. */
import test from 'ava';
import type { Decision, DecisionClient } from '@botsieve/decisions';
import { VerdictReplica } from '@botsieve/decisions';
import { systemClock } from '@botsieve/runtime';
import { OriginGuard, type OriginGuardOptions } from './origin-guard.js';
import { FRAMEWORKS, busyWait, get, serve, verdict, type Framework } from './test-support.js';

const BLOCKED_IP = '198.51.100.9';
const CLEAN_IP = '203.0.113.20';
const BLOCKED_ASN = 64500;

/** Loopback plays the Cloudflare edge: the tests' TCP peer is 127.0.0.1. */
const EDGE = { cloudflare: ['127.0.0.1/32'] };

function replica(): VerdictReplica {
  const r = new VerdictReplica({ clock: systemClock });
  r.apply(verdict(`ip:${BLOCKED_IP}`, 'block'));
  r.apply(verdict(`asn:${BLOCKED_ASN}`, 'block'));
  r.apply(verdict('ip:203.0.113.30', 'log'));
  r.apply(verdict('ip:203.0.113.40', 'challenge'));
  return r;
}

async function setup(t: { teardown(fn: () => Promise<void>): void }, framework: Framework, options: Partial<OriginGuardOptions> = {}) {
  // A generous budget unless a test is about the budget: the machine running the tests is shared,
  // and a decision failing open under contention must not turn a 403 case into a 200.
  const guard = new OriginGuard({ source: replica(), address: EDGE, budget_ms: 1_000, ...options });
  const served = await serve(framework, guard);
  t.teardown(() => served.close());
  return { guard, port: served.port };
}

for (const framework of FRAMEWORKS) {
  test(`${framework}: a blocked IP gets 403; another gets the application with the decision on the request`, async (t) => {
    const { guard, port } = await setup(t, framework);
    const blocked = await get(port, { 'cf-connecting-ip': BLOCKED_IP });
    t.is(blocked.status, 403);
    t.regex(blocked.text, /blocked by the site's bot protection/);
    t.is(blocked.headers['cache-control'], 'no-store');
    const clean = await get(port, { 'cf-connecting-ip': CLEAN_IP });
    t.is(clean.status, 200);
    t.like(clean.botsieve, { ip: CLEAN_IP, address_source: 'cf-connecting-ip', edge_trusted: true, action: 'allow', fail_open: null, rate_limited: false });
    const logged = await get(port, { 'cf-connecting-ip': '203.0.113.30' });
    t.is(logged.status, 200);
    t.like(logged.botsieve, { action: 'log', decision: { action: 'log', subject: 'ip:203.0.113.30', reasons: ['test-detector'] } });
    t.like(guard.metrics.snapshot(), { requests: 3, blocked: 1, decisions: { block: 1, allow: 1, log: 1, challenge: 0 } });
  });

  test(`${framework}: a verified bot in a blocked ASN passes; the same ASN unverified is blocked`, async (t) => {
    const { port } = await setup(t, framework);
    const verified = await get(port, { 'cf-connecting-ip': CLEAN_IP, 'botsieve-asn': String(BLOCKED_ASN), 'botsieve-verified-bot': 'true', 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1)' });
    t.is(verified.status, 200);
    t.like(verified.botsieve, { action: 'allow', edge: { asn: BLOCKED_ASN, verified: true }, decision: { action: 'allow', exemption: { reason: 'verified_bot', source: 'edge' } } });
    const unverified = await get(port, { 'cf-connecting-ip': CLEAN_IP, 'botsieve-asn': String(BLOCKED_ASN), 'botsieve-verified-bot': 'false' });
    t.is(unverified.status, 403);
  });

  test(`${framework}: a throwing or slow source fails open and is counted`, async (t) => {
    let calls = 0;
    const source = {
      decide(client: DecisionClient): Decision {
        calls += 1;
        if (client.ip === '203.0.113.66') throw new Error('replica exploded');
        busyWait(50);
        return { action: 'block', score: 1, subject: `ip:${client.ip}`, reasons: [], expires_at: 0, exemption: null } as Decision;
      },
    };
    const { guard, port } = await setup(t, framework, { source, budget_ms: 20, breaker_ms: 60_000, breaker_after: 2 });
    const thrown = await get(port, { 'cf-connecting-ip': '203.0.113.66' });
    t.is(thrown.status, 200);
    t.like(thrown.botsieve, { action: 'allow', decision: null, fail_open: 'error' });
    for (let i = 0; i < 2; i += 1) {
      const slow = await get(port, { 'cf-connecting-ip': CLEAN_IP });
      t.is(slow.status, 200, 'a block that took 50 ms against a 20 ms budget is not enforced');
      t.like(slow.botsieve, { action: 'allow', fail_open: 'over_budget' });
    }
    const skipped = await get(port, { 'cf-connecting-ip': CLEAN_IP });
    t.like(skipped.botsieve, { fail_open: 'breaker_open' });
    t.is(calls, 3, 'after two slow answers in a row the breaker keeps the source from being asked');
    t.like(guard.metrics.snapshot().fail_open, { error: 1, over_budget: 2, breaker_open: 1 });
    t.true(guard.metrics.snapshot().decide_max_us >= 50_000);
  });

  test(`${framework}: spoofed X-Forwarded-For, CF-Connecting-IP and edge headers cannot pick the address or the verdict`, async (t) => {
    // Not behind Cloudflare; behind one trusted proxy (loopback) that appends the address it saw.
    const { guard, port } = await setup(t, framework, { address: { cloudflare: false, trusted_proxies: ['127.0.0.1/32'] } });
    const spoofed = await get(port, { 'x-forwarded-for': `${CLEAN_IP}, ${BLOCKED_IP}`, 'cf-connecting-ip': CLEAN_IP, 'botsieve-verified-bot': 'true' });
    t.is(spoofed.status, 403, 'the rightmost untrusted hop is the client, whatever the client wrote to its left');
    const forgedEdge = await get(port, { 'x-forwarded-for': '203.0.113.77', 'botsieve-asn': String(BLOCKED_ASN), 'botsieve-verified-bot': 'true' });
    t.is(forgedEdge.status, 200);
    t.like(forgedEdge.botsieve, { ip: '203.0.113.77', address_source: 'x-forwarded-for', edge_trusted: false, edge: { asn: null, verified: null } });
    t.is(guard.metrics.snapshot().edge_untrusted, 2);
  });
}

test('node:http: challenge passes by default (the application sees it), or answers 403 when configured', async (t) => {
  const passing = await setup(t, 'node:http');
  const passed = await get(passing.port, { 'cf-connecting-ip': '203.0.113.40' });
  t.is(passed.status, 200);
  t.like(passed.botsieve, { action: 'challenge' });
  const blocking = await setup(t, 'node:http', { challenge: 'block' });
  t.is((await get(blocking.port, { 'cf-connecting-ip': '203.0.113.40' })).status, 403);
  const custom = await setup(t, 'node:http', { challenge: (info) => ({ status: 401, headers: { 'x-challenge': 'turnstile' }, body: `challenge ${info.ip}` }) });
  const answered = await get(custom.port, { 'cf-connecting-ip': '203.0.113.40' });
  t.is(answered.status, 401);
  t.is(answered.text, 'challenge 203.0.113.40');
  t.is(answered.headers['x-challenge'], 'turnstile');
});

test('node:http: a request without a User-Agent falls under `ua:`; one with a user agent does not', async (t) => {
  const source = replica();
  source.apply(verdict('ua:', 'block'));
  const { port } = await setup(t, 'node:http', { source });
  const none = await get(port, { 'cf-connecting-ip': CLEAN_IP });
  t.is(none.status, 403, 'no User-Agent header: the empty user agent');
  const named = await get(port, { 'cf-connecting-ip': CLEAN_IP, 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36' });
  t.is(named.status, 200);
  t.like(named.botsieve, { action: 'allow' });
});

test('node:http: with an edge token, edge headers without it are not believed', async (t) => {
  const { port } = await setup(t, 'node:http', { edge_token: 'a-long-shared-secret-0123' });
  const without = await get(port, { 'cf-connecting-ip': CLEAN_IP, 'botsieve-asn': String(BLOCKED_ASN), 'botsieve-verified-bot': 'true' });
  t.like(without.botsieve, { edge_trusted: false, edge: { asn: null } });
  const wrong = await get(port, { 'cf-connecting-ip': CLEAN_IP, 'botsieve-asn': String(BLOCKED_ASN), 'botsieve-edge-token': 'a-long-shared-secret-0124' });
  t.like(wrong.botsieve, { edge_trusted: false });
  const right = await get(port, { 'cf-connecting-ip': CLEAN_IP, 'botsieve-asn': String(BLOCKED_ASN), 'botsieve-edge-token': 'a-long-shared-secret-0123' });
  t.is(right.status, 403, 'the trusted ASN now matches the block');
});

test('a source that is not ready, or answers nonsense, fails open', async (t) => {
  let ready = false;
  const { guard, port } = await setup(t, 'node:http', { source: { ready: () => ready, decide: () => ({ action: 'explode' }) as unknown as Decision } });
  t.like((await get(port, { 'cf-connecting-ip': CLEAN_IP })).botsieve, { fail_open: 'not_ready' });
  ready = true;
  t.like((await get(port, { 'cf-connecting-ip': CLEAN_IP })).botsieve, { fail_open: 'invalid' });
  t.like(guard.metrics.snapshot().fail_open, { not_ready: 1, invalid: 1 });
  t.regex(guard.metrics.prometheus(), /^botsieve_origin_fail_open_total\{reason="not_ready"\} 1$/m);
});

test('one slow answer (a GC pause) fails open once; only answers over budget in a row open the breaker', async (t) => {
  let slowNext = false;
  let calls = 0;
  const source = {
    decide(): Decision {
      calls += 1;
      if (slowNext) busyWait(50);
      slowNext = false;
      return { action: 'block', score: 1, subject: 'ip:203.0.113.20', reasons: [], expires_at: 0, exemption: null } as Decision;
    },
  };
  const { guard, port } = await setup(t, 'node:http', { source, budget_ms: 20 });
  slowNext = true;
  t.like((await get(port, { 'cf-connecting-ip': CLEAN_IP })).botsieve, { fail_open: 'over_budget' });
  t.is((await get(port, { 'cf-connecting-ip': CLEAN_IP })).status, 403, 'the next answer is in budget and enforced');
  t.is(calls, 2);
  t.like(guard.metrics.snapshot().fail_open, { over_budget: 1, breaker_open: 0 });
});

test('bad options are ERR_ORIGIN_CONFIG', (t) => {
  const source = replica();
  t.throws(() => new OriginGuard({ source, breaker_after: 0 }), { code: 'ERR_ORIGIN_CONFIG' });
  t.throws(() => new OriginGuard({ source, budget_ms: 0 }), { code: 'ERR_ORIGIN_CONFIG' });
  t.throws(() => new OriginGuard({ source, edge_token: 'short' }), { code: 'ERR_ORIGIN_CONFIG' });
  t.throws(() => new OriginGuard({ source: {} as never }), { code: 'ERR_ORIGIN_CONFIG' });
});
