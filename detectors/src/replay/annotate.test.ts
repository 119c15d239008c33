import test from 'ava';
import type { RequestEvent, SubjectKey, Verdict, VerdictAction } from '@botsieve/core';
import { ClientExemption, Safelist, safelistConfigSchema } from '@botsieve/runtime';
import { makeEvent } from '../test-support/events.js';
import { Annotator } from './annotate.js';

const T0 = 1_700_000_000_000;

function verdict(subject: SubjectKey, action: VerdictAction, decided_at: number, options: { ttl_ms?: number; score?: number; id?: string } = {}): Verdict {
  const score = options.score ?? (action === 'block' ? 5 : action === 'challenge' ? 25 : 35);
  return { id: options.id ?? `${subject}/${action}/${decided_at}/${score}`, subject, action, score, ttl_ms: options.ttl_ms ?? 60_000, decided_at, detectors: [{ id: 'volumetric', score, evidence: { requests: 1 } }] };
}

test('causal: the triggering event is not affected, the next one is, and the verdict expires after ttl', (t) => {
  const annotator = new Annotator();
  const trigger = makeEvent({ ray_id: 'trigger', ip: '192.0.2.1', timestamp_ms: T0 });
  t.deepEqual(annotator.annotate(trigger), { RayID: 'trigger', action: 'allow', score: null, subject: null, reasons: [] });
  annotator.apply([verdict('ip:192.0.2.1', 'challenge', T0, { ttl_ms: 1_000, score: 27 })]);
  t.deepEqual(annotator.annotate(makeEvent({ ray_id: 'same-ms', ip: '192.0.2.1', timestamp_ms: T0 })), {
    RayID: 'same-ms', action: 'challenge', score: 27, subject: 'ip:192.0.2.1', reasons: ['volumetric'],
  });
  t.is(annotator.annotate(makeEvent({ ip: '192.0.2.2', timestamp_ms: T0 + 1 })).action, 'allow', 'another ip');
  t.is(annotator.annotate(makeEvent({ ip: '192.0.2.1', timestamp_ms: T0 + 999 })).action, 'challenge');
  t.is(annotator.annotate(makeEvent({ ip: '192.0.2.1', timestamp_ms: T0 + 1_000 })).action, 'allow', 'expired at decided_at + ttl_ms');
});

test('an event before the decision is not covered, even when it arrives after it', (t) => {
  const annotator = new Annotator({ retain_ms: 5_000 });
  annotator.annotate(makeEvent({ timestamp_ms: T0 + 2_000 }));
  annotator.apply([verdict('ip:192.0.2.1', 'block', T0 + 2_000)]);
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 1_500 })).action, 'allow');
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 2_500 })).action, 'block');
});

test('strongest action over all subjects; equal actions → lowest score', (t) => {
  const annotator = new Annotator();
  const event = makeEvent({ ip: '2001:db8::7', prefix: '2001:db8::/64', asn: 64_500, ja4: 't13d_abc', timestamp_ms: T0 + 10 });
  annotator.apply([
    verdict('ip:2001:db8::7', 'log', T0),
    verdict('prefix:2001:db8::/64', 'challenge', T0, { score: 28 }),
    verdict('asn:64500', 'challenge', T0, { score: 21 }),
  ]);
  t.like(annotator.annotate(event), { action: 'challenge', score: 21, subject: 'asn:64500' });
  annotator.apply([verdict('ja4:t13d_abc', 'block', T0 + 5, { score: 9 })]);
  t.like(annotator.annotate(event), { action: 'block', score: 9, subject: 'ja4:t13d_abc' });
  t.is(annotator.annotate({ ...event, asn: 0, ja4: null }).subject, 'prefix:2001:db8::/64');
});

test('a weaker verdict does not hide a stronger one still active', (t) => {
  const annotator = new Annotator();
  annotator.apply([verdict('ip:192.0.2.1', 'block', T0, { ttl_ms: 10_000 })]);
  annotator.apply([verdict('ip:192.0.2.1', 'log', T0 + 1_000, { ttl_ms: 60_000 })]);
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 5_000 })).action, 'block');
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 20_000 })).action, 'log', 'after the block expired the log still applies');
});

test('bounded state: expired verdicts are dropped; redelivered duplicates are ignored', (t) => {
  const annotator = new Annotator({ retain_ms: 1_000 });
  for (let i = 0; i < 10_000; i++) annotator.apply([verdict(`ip:10.0.${i >> 8}.${i & 255}`, 'block', T0 + i, { ttl_ms: 1_000 })]);
  t.is(annotator.size, 10_000);
  const duplicate = verdict('ip:10.0.0.1', 'block', T0 + 1, { ttl_ms: 1_000 });
  annotator.apply([duplicate, duplicate]);
  t.is(annotator.size, 10_000);
  annotator.annotate(makeEvent({ ip: '192.0.2.1', timestamp_ms: T0 + 6_000 }));
  t.is(annotator.size, 10_000 - 4_001, 'expired at least retain_ms ago (expires_at ≤ 5000): gone');
  annotator.annotate(makeEvent({ ip: '192.0.2.1', timestamp_ms: T0 + 100_000 }));
  t.is(annotator.size, 0);
  annotator.apply([verdict('ip:192.0.2.1', 'block', T0, { ttl_ms: 1_000 })]);
  t.is(annotator.size, 0, 'a verdict already expired is not held');
});

test('re-emitted verdicts replace the ones they cover', (t) => {
  const annotator = new Annotator();
  for (let i = 0; i < 100; i++) annotator.apply([verdict('ip:192.0.2.1', 'block', T0, { ttl_ms: 60_000 + i, id: `v${i}` })]);
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 1 })).action, 'block');
  // Only the longest survives in the subject's list; the heap drops the rest lazily.
  t.is(annotator.size, 100);
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 60_098 })).action, 'block');
  t.is(annotator.annotate(makeEvent({ timestamp_ms: T0 + 60_099 })).action, 'allow');
  t.is(annotator.size, 0);
});

// A scraper fleet and a verified crawler in one cloud network (AS8075 hosts both Bingbot and
// rented scraper VMs): verdicts on the network, its user agents and its fingerprints mitigate the
// fleet; the crawler, a monitor and a safelisted client inside them are never touched.
const BINGBOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const UPTIMEROBOT = 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)';
const FLEET_UA = 'python-requests/2.31.0';
const FLEET_JA4 = 't13d1516h2_8daaf6152771_e5627efa2ab1';

test('a verdict on a population is never enforced on a verified bot or a safelisted client inside it', (t) => {
  const exemption = new ClientExemption({ safelist: new Safelist(safelistConfigSchema.parse({ cidrs: ['20.42.99.0/24'] })) });
  const annotator = new Annotator({ exemption });
  annotator.apply([
    verdict('asn:8075', 'block', T0, { score: 4 }),
    verdict(`ua:${FLEET_UA}`, 'block', T0, { score: 6 }),
    verdict(`ja4:${FLEET_JA4}`, 'challenge', T0, { score: 20 }),
    verdict('prefix:157.55.39.0/24', 'challenge', T0, { score: 22 }),
  ]);
  const at = { asn: 8_075, timestamp_ms: T0 + 10 };
  const annotate = (ray_id: string, partial: Partial<RequestEvent>) => annotator.annotate(makeEvent({ ray_id, ...at, ...partial }));
  t.like(annotate('fleet', { ip: '20.42.7.9', user_agent: FLEET_UA, ja4: FLEET_JA4 }), { action: 'block', subject: 'asn:8075' });
  t.like(annotate('fleet-browser-ua', { ip: '20.42.7.10', user_agent: 'Mozilla/5.0', ja4: FLEET_JA4 }), { action: 'block', subject: 'asn:8075' });
  t.like(annotate('fake-bingbot', { ip: '20.42.7.11', user_agent: BINGBOT }), { action: 'block' }, 'a crawler UA from outside its published ranges is no crawler');
  // Bingbot from Bing's published range, without Bot Management: the asn: block and the prefix: challenge both cover it.
  t.deepEqual(annotate('bingbot', { ip: '157.55.39.200', user_agent: BINGBOT }), { RayID: 'bingbot', action: 'allow', score: null, subject: null, reasons: [] });
  // Bot Management verified it: whatever the address.
  t.like(annotate('bingbot-bm', { ip: '20.42.7.12', user_agent: BINGBOT, bot_score: 1, bot_score_src: 'Verified Bot', verified_bot_category: 'Search Engine Crawler' }), { action: 'allow' });
  // A monitor from its operator's published addresses, sharing the fleet's TLS stack.
  t.like(annotate('uptimerobot', { ip: '69.162.124.230', user_agent: UPTIMEROBOT, ja4: FLEET_JA4 }), { action: 'allow' });
  // The shop's own office, inside the blocked network.
  t.like(annotate('office', { ip: '20.42.99.5', user_agent: FLEET_UA, ja4: FLEET_JA4 }), { action: 'allow' });
});

test('the default exemption is the shipped bot data and the default safelist', (t) => {
  const annotator = new Annotator();
  annotator.apply([verdict('asn:8075', 'block', T0)]);
  t.is(annotator.annotate(makeEvent({ ip: '157.55.39.200', asn: 8_075, user_agent: BINGBOT, timestamp_ms: T0 + 1 })).action, 'allow');
  t.is(annotator.annotate(makeEvent({ ip: '20.42.7.9', asn: 8_075, user_agent: BINGBOT, timestamp_ms: T0 + 1 })).action, 'block');
});

test('`ua:` covers the requests that send no user agent, and only those', (t) => {
  const annotator = new Annotator();
  annotator.apply([verdict('ua:', 'challenge', T0, { score: 22 })]);
  t.like(annotator.annotate(makeEvent({ ip: '192.0.2.9', user_agent: '', timestamp_ms: T0 + 1 })), { action: 'challenge', subject: 'ua:' });
  t.is(annotator.annotate(makeEvent({ ip: '192.0.2.9', user_agent: 'curl/8.5.0', timestamp_ms: T0 + 2 })).action, 'allow');
});

test('`ipua:` covers that user agent on that address only, and is forgotten when it expires', (t) => {
  const annotator = new Annotator();
  const BOT = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X)';
  annotator.apply([verdict(`ipua:2001:db8::7 ${BOT}`, 'block', T0, { score: 4, ttl_ms: 1_000 })]);
  t.like(annotator.annotate(makeEvent({ ip: '2001:db8::7', user_agent: BOT, timestamp_ms: T0 + 1 })), { action: 'block', subject: `ipua:2001:db8::7 ${BOT}` });
  t.is(annotator.annotate(makeEvent({ ip: '2001:db8::7', user_agent: 'ShopApp/4.2 (iPhone; iOS 18.6)', timestamp_ms: T0 + 2 })).action, 'allow', 'another client on the address');
  t.is(annotator.annotate(makeEvent({ ip: '2001:db8::8', user_agent: BOT, timestamp_ms: T0 + 3 })).action, 'allow', 'the user agent on another address');
  t.is(annotator.size, 1);
  t.is(annotator.annotate(makeEvent({ ip: '2001:db8::7', user_agent: BOT, timestamp_ms: T0 + 1_000 })).action, 'allow', 'expired');
  t.is(annotator.size, 0);
});
