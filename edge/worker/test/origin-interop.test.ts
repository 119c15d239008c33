/**
 * The Worker and the origin middleware agree on the edge → origin contract: the bundled Worker in
 * workerd (Miniflare) forwards to a real @botsieve/origin OriginGuard (node:http adapter), whose
 * source is a real VerdictReplica holding a block verdict on an ASN.
 *
 * Loopback plays the Cloudflare edge for the guard (its TCP peer here is 127.0.0.1). workerd does
 * not set CF-Connecting-IP on the Worker's subrequest as Cloudflare does (from the Worker's
 * x-real-ip), so a stand-in hop does that one thing (peers.ts, startCloudflareHop); without it
 * the client would be the loopback peer, which the decisions' safelist never acts on (a private
 * range). Nothing sets CF-IPCountry or CF-Ray here, so the origin's country and Ray ID stay
 * unknown: these tests are about the botsieve-* headers; the address walk is tested in origin/.
 */
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { VerdictReplica } from '@botsieve/decisions';
import { OriginGuard } from '@botsieve/origin';
import { systemClock } from '@botsieve/runtime';
import { startWorker } from './miniflare.js';
import { echoed, startCloudflareHop, startGuardedOrigin, verdict } from './peers.js';

const TOKEN = 'interop-edge-token-7f3a9c';
const BLOCKED_ASN = 64500;
/** A public address with no verdict of its own: only the ASN's verdict can block it. */
const CLIENT_IP = '198.51.100.7';
const JA4 = 't13d1516h2_8daaf6152771_b186095e22b6';
const CRAWLER = { asn: BLOCKED_ASN, verifiedBotCategory: 'Search Engine Crawler', botManagement: { score: 1, verifiedBot: true, ja4: JA4, detectionIds: [], staticResource: false } };
const UNVERIFIED = { asn: BLOCKED_ASN, verifiedBotCategory: '', botManagement: { score: 7, verifiedBot: false, ja4: JA4, detectionIds: [33554817], staticResource: false } };

async function setup(t: ExecutionContext, workerToken: string | null) {
  const replica = new VerdictReplica({ clock: systemClock });
  replica.apply(verdict(`asn:${BLOCKED_ASN}`, 'block', 600_000));
  // A generous budget: the machine is shared, and a decision failing open under contention must not turn the 403 case into a 200.
  const guard = new OriginGuard({ source: replica, address: { cloudflare: ['127.0.0.1/32'] }, edge_token: TOKEN, budget_ms: 1_000 });
  const origin = await startGuardedOrigin(guard);
  const hop = await startCloudflareHop(origin.url);
  const worker = await startWorker(workerToken === null ? { ORIGIN: hop.url } : { ORIGIN: hop.url, EDGE_TOKEN: workerToken });
  t.teardown(async () => {
    await worker.dispose();
    await hop.close();
    await origin.close();
  });
  return { origin, worker };
}

test('through the Worker, the origin believes what Cloudflare said: a verified crawler in a blocked ASN passes, an unverified client there is blocked', async (t) => {
  const { origin, worker } = await setup(t, TOKEN);
  const crawler = await worker.fetch('/robots.txt', { ip: CLIENT_IP, cf: CRAWLER, headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1)' } });
  t.is(crawler.status, 200);
  t.like(echoed(crawler.text), {
    ip: CLIENT_IP,
    address_source: 'cf-connecting-ip',
    edge_trusted: true,
    edge: { bot_score: 1, verified: true, verified_bot_category: 'Search Engine Crawler', ja4: JA4, asn: BLOCKED_ASN },
    action: 'allow',
    decision: { action: 'allow', exemption: { reason: 'verified_bot', source: 'edge' } },
  });

  // The same ASN, not a verified bot, and the client forging our headers: the Worker replaced
  // them with Cloudflare's answer, so the origin's replica blocks it.
  const forged = { 'botsieve-verified-bot': 'true', 'botsieve-bot-score': '99', 'botsieve-verified-bot-category': 'Search Engine Crawler', 'botsieve-edge-token': 'forged-forged-forged-forged' };
  const blocked = await worker.fetch('/cart', { ip: CLIENT_IP, cf: UNVERIFIED, headers: forged });
  t.is(blocked.status, 403);
  t.regex(blocked.text, /blocked by the site's bot protection/, "the origin guard's 403, passed back by the Worker");
  t.like(origin.guard.metrics.snapshot(), { requests: 2, blocked: 1, edge_untrusted: 0 });
});

test('sent straight to the origin, without the token, the same headers are not believed', async (t) => {
  const { origin } = await setup(t, TOKEN);
  const direct = await origin.direct({ 'cf-connecting-ip': CLIENT_IP, 'botsieve-verified-bot': 'true', 'botsieve-bot-score': '1', 'botsieve-ja4': JA4, 'botsieve-asn': String(BLOCKED_ASN), 'botsieve-verified-bot-category': 'Search Engine Crawler' });
  t.is(direct.status, 200, 'the claimed ASN is not believed either, so its verdict does not match');
  t.like(direct.botsieve, { ip: CLIENT_IP, edge_trusted: false, edge: { bot_score: null, verified: null, verified_bot_category: null, ja4: null, asn: null } });
  t.is(origin.guard.metrics.snapshot().edge_untrusted, 1);
});

test('a Worker without EDGE_TOKEN, or with another one, is not believed by an origin that has edge_token', async (t) => {
  for (const token of [null, 'another-edge-token-000000']) {
    const { origin, worker } = await setup(t, token);
    const answer = await worker.fetch('/', { ip: CLIENT_IP, cf: CRAWLER });
    t.is(answer.status, 200);
    t.like(echoed(answer.text), { ip: CLIENT_IP, edge_trusted: false, edge: { verified: null, asn: null } }, String(token));
    t.is(origin.guard.metrics.snapshot().edge_untrusted, 1);
  }
});
