import { getHeapSpaceStatistics } from 'node:v8';
import { clientSubjects, type SubjectKey, type Verdict, type VerdictAction } from '@botsieve/core';
import { ClientExemption, ManualClock, Safelist, safelistConfigSchema } from '@botsieve/runtime';
import test from 'ava';
import { VerdictReplica } from './replica.js';
import { SubjectIndex } from './subjects.js';
import type { DecisionClient, ReplicaChange } from './types.js';

const T0 = 1_750_000_000_000;
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const GOOGLEBOT_IP = '66.249.66.1'; // in runtime/data/crawlers.json's googlebot CIDRs (66.249.66.0/27)
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const GOOGLE = 15_169;

let ids = 0;
function verdict(subject: string, action: VerdictAction, ttl_ms: number, decided_at = T0, detector = 'volumetric'): Verdict {
  ids += 1;
  return { id: `v${ids}`, subject: subject as SubjectKey, action, score: 5, ttl_ms, decided_at, detectors: [{ id: detector, score: 5, evidence: {} }] };
}

function setup(options: { max_verdicts?: number; change_log?: number; exemption?: ClientExemption } = {}) {
  const clock = new ManualClock(T0);
  const replica = new VerdictReplica({ clock, ...options });
  return { clock, replica };
}

const client = (ip: string, extra: Partial<DecisionClient> = {}): DecisionClient => ({ ip, user_agent: CHROME, ...extra });

test('per subject the strongest active verdict: stronger replaces weaker, equal strength keeps the later expiry', (t) => {
  const { replica } = setup();
  const subject = 'ip:203.0.113.9';
  t.true(replica.apply(verdict(subject, 'log', 60_000)));
  t.true(replica.apply(verdict(subject, 'block', 10_000)), 'stronger replaces weaker');
  t.false(replica.apply(verdict(subject, 'challenge', 600_000)), 'weaker never replaces a stronger active one');
  t.false(replica.apply(verdict(subject, 'block', 5_000)), 'equal strength, sooner expiry');
  t.true(replica.apply(verdict(subject, 'block', 20_000)), 'equal strength, later expiry');
  t.like(replica.decide(client('203.0.113.9')), { action: 'block', subject, expires_at: T0 + 20_000, reasons: ['volumetric'] });
  t.is(replica.size, 1);
  t.like(replica.stats(), { ignored: 2, version: 3 });
});

test('applying a verdict twice changes nothing the second time', (t) => {
  const { replica } = setup();
  const v = verdict('asn:64500', 'challenge', 60_000);
  t.true(replica.apply(v));
  const version = replica.version;
  t.false(replica.apply(v));
  t.false(replica.apply({ ...v }));
  t.is(replica.version, version);
  t.is(replica.size, 1);
  t.deepEqual(replica.changesSince(0)?.map((c) => c.type), ['upsert']);
});

test('every kind of subject is found from the client, canonical forms included; the strongest wins, the most specific on a tie', (t) => {
  const { replica } = setup();
  replica.apply(verdict('ip:203.0.113.9', 'log', 60_000, T0, 'ip'));
  replica.apply(verdict('prefix:198.51.100.0/24', 'challenge', 60_000, T0, 'prefix'));
  replica.apply(verdict('ip:2001:db8::9', 'block', 60_000, T0, 'ip6'));
  replica.apply(verdict('prefix:2001:db8:0:1::/64', 'challenge', 60_000, T0, 'prefix6'));
  replica.apply(verdict('asn:64500', 'log', 60_000, T0, 'asn'));
  replica.apply(verdict('ja4:t13d1516h2_8daaf6152771_b186095e22b6', 'challenge', 60_000, T0, 'ja4'));
  replica.apply(verdict('ua:curl/8.4.0', 'block', 60_000, T0, 'ua'));
  const reasons = (c: DecisionClient) => replica.decide(c).reasons;
  t.deepEqual(reasons(client('203.0.113.9')), ['ip']);
  t.deepEqual(reasons(client('203.0.113.10')), []);
  t.deepEqual(reasons(client('198.51.100.77')), ['prefix']);
  t.deepEqual(reasons(client('::ffff:198.51.100.77')), ['prefix'], 'IPv4-mapped is its IPv4');
  t.deepEqual(reasons(client('::ffff:203.0.113.9')), ['ip']);
  t.deepEqual(reasons(client('2001:DB8:0:0::9')), ['ip6'], 'IPv6 in any text form');
  t.deepEqual(reasons(client('2001:db8:0:1:ffff::1')), ['prefix6']);
  t.deepEqual(reasons(client('192.0.2.1', { asn: 64_500 })), ['asn']);
  t.deepEqual(reasons(client('192.0.2.1', { ja4: 't13d1516h2_8daaf6152771_b186095e22b6' })), ['ja4']);
  t.deepEqual(reasons(client('192.0.2.1', { user_agent: 'curl/8.4.0' })), ['ua']);
  t.deepEqual(reasons(client('203.0.113.9', { asn: 64_500 })), ['ip'], 'equal strength: the most specific subject');
  t.deepEqual(reasons(client('203.0.113.9', { ja4: 't13d1516h2_8daaf6152771_b186095e22b6' })), ['ja4'], 'the strongest subject');
  t.deepEqual(reasons(client('not an ip', { user_agent: 'curl/8.4.0' })), ['ua'], 'an unparseable IP contributes no subject');
  t.is(replica.decide(client('192.0.2.1')).action, 'allow');
  replica.apply(verdict('ua:', 'challenge', 60_000, T0, 'no-ua'));
  t.deepEqual(reasons(client('192.0.2.1', { user_agent: '' })), ['no-ua'], 'a request without a user agent falls under `ua:`');
  t.deepEqual(reasons(client('192.0.2.1', { user_agent: null })), [], 'an unknown user agent does not');
  t.is(replica.decide(client('192.0.2.1')).action, 'allow');
  // Subjects no client spells are held, counted and listed, and match nothing (as `asn:${7}` never spelled `asn:07`).
  replica.apply(verdict('asn:064501', 'block', 60_000));
  replica.apply(verdict('ip:020.0.0.1', 'block', 60_000));
  replica.apply(verdict('cookie:abc', 'block', 60_000));
  t.is(replica.decide(client('20.0.0.1', { asn: 64_501 })).action, 'allow');
  t.is(replica.size, 11);
  t.is(replica.snapshot().verdicts.length, 11);
});

test('the index agrees with the subject keys clientSubjects spells, for random clients and verdicts', (t) => {
  // A model: the first implementation (a Map of `kind:value` keys, looked up with clientSubjects).
  const { clock, replica } = setup({ exemption: new ClientExemption({ safelist: new Safelist(safelistConfigSchema.parse({ private_ranges: false })) }) });
  const model = new Map<string, { action: VerdictAction; expires_at: number }>();
  const rank = { log: 1, challenge: 2, block: 3 } as const;
  const actions: VerdictAction[] = ['log', 'challenge', 'block'];
  let seed = 7;
  // From the high bits: the low bits of this generator cycle with short periods (the parity
  // alternates), which left some subject positions never drawn.
  const random = (n: number) => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return Math.floor((seed / 2 ** 32) * n);
  };
  const ipOf = (i: number) => (i % 3 === 0 ? `2001:db8:${i % 4}::${i % 7}` : `10.${i % 2}.${i % 5}.${i % 7}`);
  const clients: DecisionClient[] = [];
  let byPair = 0;
  // The user agent varies independently of the address, so `ipua:` verdicts meet other user agents on their address.
  for (let i = 0; i < 200; i++) clients.push({ ip: i % 11 === 0 ? `::ffff:${ipOf(i + 1)}` : ipOf(i), asn: i % 4, ja4: `j${i % 3}`, user_agent: i % 13 === 0 ? '' : i % 17 === 0 ? null : `ua ${(i * 7) % 4}` });
  for (let step = 0; step < 5_000; step++) {
    const c = clients[random(clients.length)] as DecisionClient;
    const subjects = clientSubjects(c);
    const subject = subjects[random(subjects.length)] as string;
    const v = verdict(subject, actions[random(3)] as VerdictAction, 1_000 + random(20_000), clock.now());
    replica.apply(v);
    const held = model.get(subject);
    const expires_at = v.decided_at + v.ttl_ms;
    if (held === undefined || held.expires_at <= clock.now() || rank[v.action] > rank[held.action] || (rank[v.action] === rank[held.action] && expires_at > held.expires_at)) model.set(subject, { action: v.action, expires_at });
    clock.advance(random(300));
    const asked = clients[random(clients.length)] as DecisionClient;
    let best: { action: VerdictAction; expires_at: number } | undefined;
    for (const s of clientSubjects(asked)) {
      const m = model.get(s);
      if (m !== undefined && m.expires_at > clock.now() && (best === undefined || rank[m.action] > rank[best.action])) best = m;
    }
    const decision = replica.decide(asked);
    if (decision.action !== (best?.action ?? 'allow')) return t.fail(`step ${step}: ${JSON.stringify(asked)} decided ${decision.action}, the model says ${best?.action ?? 'allow'}`);
    if (decision.subject?.startsWith('ipua:')) byPair += 1;
  }
  t.true(byPair > 100, `${byPair} decisions came from an ipua: verdict`);
});

test('an ipua: verdict applies to that user agent on that address only, in any address form; it is the most specific subject', (t) => {
  const { replica } = setup();
  const CURL = 'curl/8.5.0 (x86_64-pc-linux-gnu)';
  replica.apply(verdict(`ipua:203.0.113.9 ${CURL}`, 'block', 60_000, T0, 'pair'));
  replica.apply(verdict('ipua:2001:db8::9 ', 'challenge', 60_000, T0, 'pair6'));
  const reasons = (c: DecisionClient) => replica.decide(c).reasons;
  t.deepEqual(reasons(client('203.0.113.9', { user_agent: CURL })), ['pair']);
  t.deepEqual(reasons(client('::ffff:203.0.113.9', { user_agent: CURL })), ['pair'], 'IPv4-mapped is its IPv4');
  t.deepEqual(reasons(client('203.0.113.9')), [], 'another user agent on the same address (the people behind the NAT) is not covered');
  t.deepEqual(reasons(client('203.0.113.9', { user_agent: `${CURL} ` })), [], 'the user agent is exact');
  t.deepEqual(reasons(client('203.0.113.9', { user_agent: null })), [], 'an unknown user agent falls under no ipua: subject');
  t.deepEqual(reasons(client('203.0.113.10', { user_agent: CURL })), [], 'the same user agent on another address is not covered');
  t.deepEqual(reasons(client('2001:DB8:0::9', { user_agent: '' })), ['pair6'], 'IPv6 in any text form; a request without a user agent is the pair with ""');
  t.deepEqual(reasons(client('2001:db8::9')), []);
  replica.apply(verdict('ip:203.0.113.9', 'block', 60_000, T0, 'ip'));
  replica.apply(verdict(`ua:${CURL}`, 'log', 60_000, T0, 'ua'));
  t.deepEqual(reasons(client('203.0.113.9', { user_agent: CURL })), ['pair'], 'equal strength: ipua is more specific than ip');
  t.deepEqual(reasons(client('203.0.113.9')), ['ip']);
  t.deepEqual(reasons(client('198.51.100.1', { user_agent: CURL })), ['ua']);
  // Only the canonical address matches (as clientSubjects spells it); other spellings are held but match nothing.
  replica.apply(verdict('ipua:::ffff:198.51.100.7 x', 'block', 60_000));
  replica.apply(verdict('ipua:2001:DB8::7 x', 'block', 60_000));
  replica.apply(verdict('ipua:198.51.100.7', 'block', 60_000));
  t.is(replica.decide(client('198.51.100.7', { user_agent: 'x' })).action, 'allow');
  t.is(replica.decide(client('2001:db8::7', { user_agent: 'x' })).action, 'allow');
  t.is(replica.size, 7);
  t.true(replica.remove(`ipua:203.0.113.9 ${CURL}`));
  t.false(replica.remove(`ipua:203.0.113.9 ${CURL}`));
  t.deepEqual(reasons(client('203.0.113.9', { user_agent: CURL })), ['ip'], 'removed: the address verdict applies again');
  t.deepEqual(replica.snapshot().verdicts.filter((v) => v.subject.startsWith('ipua:')).map((v) => v.subject).sort(), ['ipua:198.51.100.7', 'ipua:2001:DB8::7 x', 'ipua:2001:db8::9 ', 'ipua:::ffff:198.51.100.7 x']);
});

test('exemption: a verified crawler or a safelisted client is allowed whatever its ipua: verdict holds, as for ip:', (t) => {
  const { replica } = setup({ exemption: new ClientExemption({ safelist: new Safelist(safelistConfigSchema.parse({ cidrs: ['198.51.100.0/24'] })) }) });
  replica.apply(verdict(`ipua:${GOOGLEBOT_IP} ${GOOGLEBOT}`, 'block', 60_000));
  replica.apply(verdict(`ipua:198.51.100.7 ${CHROME}`, 'block', 60_000));
  t.like(replica.decide({ ip: GOOGLEBOT_IP, user_agent: GOOGLEBOT, asn: GOOGLE }), { action: 'allow', reasons: ['verified_bot:googlebot'] });
  t.like(replica.decide(client('198.51.100.7')), { action: 'allow', reasons: ['safelisted_cidr'] });
});

test('expired verdicts are not applied, not acted on and dropped (counted)', (t) => {
  const { clock, replica } = setup();
  t.false(replica.apply(verdict('ip:203.0.113.9', 'block', 1_000, T0 - 2_000)), 'already expired');
  t.false(replica.apply(verdict('ip:203.0.113.9', 'block', 1_000, T0 - 1_000)), 'expiring now');
  replica.apply(verdict('ip:203.0.113.9', 'block', 1_000));
  replica.apply(verdict('ip:203.0.113.10', 'block', 5_000));
  replica.apply(verdict('asn:64500', 'log', 10_000));
  clock.advance(1_000);
  t.is(replica.decide(client('203.0.113.9')).action, 'allow', 'expires at decided_at + ttl_ms exactly');
  t.is(replica.size, 2, 'decide dropped what it met');
  clock.advance(4_000);
  t.is(replica.sweep(), 1);
  t.is(replica.size, 1);
  t.like(replica.stats(), { expired: 2, ignored: 2, evictions: 0 });
  t.deepEqual(replica.snapshot().verdicts.map((v) => v.subject), ['asn:64500']);
  clock.advance(10_000);
  t.deepEqual(replica.snapshot().verdicts, [], 'snapshot never lists an expired verdict');
});

test('over max_verdicts: expired ones go first, then the weakest expiring soonest is evicted, counted and recorded', (t) => {
  const { clock, replica } = setup({ max_verdicts: 3 });
  replica.apply(verdict('ip:192.0.2.1', 'block', 1_000));
  replica.apply(verdict('ip:192.0.2.2', 'log', 50_000));
  replica.apply(verdict('ip:192.0.2.3', 'log', 40_000));
  replica.apply(verdict('ip:192.0.2.4', 'challenge', 30_000));
  t.is(replica.size, 3);
  t.is(replica.decide(client('192.0.2.3')).action, 'allow', 'the weakest, soonest-expiring was evicted');
  t.is(replica.decide(client('192.0.2.2')).action, 'log');
  replica.apply(verdict('ip:192.0.2.5', 'challenge', 60_000));
  t.is(replica.decide(client('192.0.2.2')).action, 'allow', 'then the other log');
  t.is(replica.decide(client('192.0.2.1')).action, 'block', 'a block expiring sooner stays: action first');
  t.like(replica.stats(), { evictions: 2, expired: 0 });
  const removes = (replica.changesSince(0) ?? []).filter((c) => c.type === 'remove');
  t.deepEqual(removes, [{ type: 'remove', version: 4, subject: 'ip:192.0.2.3' }, { type: 'remove', version: 6, subject: 'ip:192.0.2.2' }]);
  clock.advance(1_000);
  replica.apply(verdict('ip:192.0.2.6', 'log', 60_000));
  t.like(replica.stats(), { evictions: 2, expired: 1, size: 3 }, 'the expired block made room, nothing evicted');
  t.is(replica.decide(client('192.0.2.4')).action, 'challenge');
  t.is(replica.decide(client('192.0.2.6')).action, 'log');
  const version = replica.version;
  t.false(replica.apply(verdict('ip:192.0.2.7', 'log', 100, clock.now())), 'a newcomer weaker than everything held is the one dropped');
  t.like(replica.stats(), { evictions: 3, size: 3, version });
  t.is(replica.decide(client('192.0.2.6')).action, 'log');
});

test('eviction at scale keeps the order: of 20,000 inserts into 1,000 slots the 1,000 strongest, latest-expiring stay', (t) => {
  const { replica } = setup({ max_verdicts: 1_000 });
  const actions: VerdictAction[] = ['log', 'challenge', 'block'];
  const all: Verdict[] = [];
  for (let i = 0; i < 20_000; i++) {
    const v = verdict(`ip:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, actions[(i * 7) % 3] as VerdictAction, 1_000 + ((i * 7_919) % 100_000));
    all.push(v);
    replica.apply(v);
  }
  const rank = { log: 1, challenge: 2, block: 3 } as const;
  // The weakest-soonest (the newcomer included) goes each time, so the 1,000 greatest by (rank, expiry) stay.
  const expected = [...all].sort((a, b) => rank[b.action] - rank[a.action] || b.ttl_ms - a.ttl_ms).slice(0, 1_000);
  const held = new Set(replica.snapshot().verdicts.map((v) => v.id));
  t.is(expected.filter((v) => !held.has(v.id)).length, 0);
  t.is(replica.stats().evictions, 19_000);
  t.is(replica.size, 1_000);
});

test('changesSince: [] when current, the slice after a version, null when the log is too short or the version is in the future', (t) => {
  const { replica } = setup({ change_log: 4 });
  t.deepEqual(replica.changesSince(0), []);
  for (let i = 1; i <= 6; i++) replica.apply(verdict(`ip:192.0.2.${i}`, 'block', 60_000));
  t.is(replica.version, 6);
  t.deepEqual(replica.changesSince(6), []);
  t.deepEqual(replica.changesSince(3)?.map((c) => c.version), [4, 5, 6]);
  t.deepEqual(replica.changesSince(2)?.map((c) => c.version), [3, 4, 5, 6]);
  t.like(replica.changesSince(5), [{ type: 'upsert', version: 6, verdict: { subject: 'ip:192.0.2.6' } }]);
  t.is(replica.changesSince(1), null, 'the log no longer reaches back to 2');
  t.is(replica.changesSince(7), null, 'a version this replica never had (another epoch)');
  t.is(replica.changesSince(-1), null);
});

test('subscribe: every later change, synchronously, until unsubscribed', (t) => {
  const { replica } = setup({ max_verdicts: 1 });
  const seen: ReplicaChange[] = [];
  replica.apply(verdict('ip:192.0.2.1', 'log', 60_000));
  const unsubscribe = replica.subscribe((change) => seen.push(change));
  replica.apply(verdict('ip:192.0.2.2', 'block', 60_000));
  t.deepEqual(seen.map((c) => [c.type, c.version]), [['remove', 2], ['upsert', 3]]);
  unsubscribe();
  replica.apply(verdict('ip:192.0.2.2', 'block', 120_000));
  t.is(seen.length, 2);
});

test('remove and replace: recorded so holders can mirror them; replace never leaves a half-loaded replica', (t) => {
  const { replica } = setup();
  const kept = verdict('ip:192.0.2.1', 'block', 60_000);
  replica.apply(kept);
  replica.apply(verdict('ip:192.0.2.2', 'block', 60_000));
  replica.apply(verdict('ip:192.0.2.3', 'block', 60_000));
  t.true(replica.remove('ip:192.0.2.3'));
  t.false(replica.remove('ip:192.0.2.3'));
  t.is(replica.decide(client('192.0.2.3')).action, 'allow');
  const seen: string[] = [];
  const changed = verdict('ip:192.0.2.6', 'block', 60_000, T0, 'before');
  replica.apply(changed);
  const from = replica.version;
  replica.subscribe((change) => seen.push(`${change.type} ${change.type === 'remove' ? change.subject : change.verdict.subject} ${replica.decide(client('192.0.2.1')).action}`));
  replica.replace([kept, { ...changed, id: 'other', detectors: [{ id: 'after', score: 5, evidence: {} }] }, verdict('ip:192.0.2.4', 'log', 60_000), verdict('ip:192.0.2.4', 'challenge', 60_000), verdict('ip:192.0.2.5', 'log', 60_000), verdict('ip:192.0.2.5', 'block', 10, T0 - 100)]);
  t.deepEqual(seen, ['remove ip:192.0.2.2 block', 'remove ip:192.0.2.6 block', 'upsert ip:192.0.2.6 block', 'upsert ip:192.0.2.4 block', 'upsert ip:192.0.2.5 block'], 'the unchanged verdict is kept, and stays in force throughout');
  t.deepEqual(replica.snapshot().verdicts.map((v) => `${v.subject} ${v.action}`).sort(), ['ip:192.0.2.1 block', 'ip:192.0.2.4 challenge', 'ip:192.0.2.5 log', 'ip:192.0.2.6 block'], 'an expired verdict shadows nothing');
  t.deepEqual(replica.decide(client('192.0.2.6')).reasons, ['after'], 'a different verdict of the same strength and expiry replaces the held one');
  t.is(replica.changesSince(from)?.length, 5);
});

test('exemption: a verified crawler inside a blocked population is allowed with its reason, the scraper beside it is blocked', (t) => {
  const { replica } = setup();
  replica.apply(verdict(`asn:${GOOGLE}`, 'block', 60_000));
  replica.apply(verdict(`ua:${GOOGLEBOT}`, 'block', 60_000));
  const googlebot = replica.decide({ ip: GOOGLEBOT_IP, user_agent: GOOGLEBOT, asn: GOOGLE });
  t.like(googlebot, { action: 'allow', subject: null, reasons: ['verified_bot:googlebot'], exemption: { reason: 'verified_bot', source: 'published_ranges', name: 'googlebot' } });
  t.like(replica.decide({ ip: '34.120.7.9', user_agent: CHROME, asn: GOOGLE }), { action: 'block', subject: `asn:${GOOGLE}`, exemption: null }, 'a scraper on Google Cloud');
  t.like(replica.decide({ ip: '34.120.7.9', user_agent: GOOGLEBOT, asn: GOOGLE }), { action: 'block', exemption: null }, 'a Googlebot UA from a Cloud address claims nothing');
  t.like(replica.decide({ ip: '10.1.2.3', user_agent: GOOGLEBOT, asn: GOOGLE }), { action: 'allow', reasons: ['private_range'] }, 'a private address (default safelist)');
  t.is(replica.decide({ ip: GOOGLEBOT_IP, user_agent: GOOGLEBOT, asn: GOOGLE }), googlebot, 'the exempt answer is built once and shared');
});

test('exemption: a configured safelisted address is allowed whatever the verdicts', (t) => {
  const { replica } = setup({ exemption: new ClientExemption({ safelist: new Safelist(safelistConfigSchema.parse({ cidrs: ['198.51.100.0/24'] })) }) });
  replica.apply(verdict('prefix:198.51.100.0/24', 'block', 60_000));
  replica.apply(verdict('ip:198.51.100.7', 'block', 60_000));
  t.like(replica.decide(client('198.51.100.7')), { action: 'allow', reasons: ['safelisted_cidr'], exemption: { reason: 'safelisted_cidr' } });
  replica.apply(verdict('prefix:203.0.113.0/24', 'block', 60_000));
  t.like(replica.decide(client('203.0.113.7')), { action: 'block', subject: 'prefix:203.0.113.0/24' });
});

test('the subject index holds 200,000 addresses (hash chains included) and finds each from any text form', (t) => {
  const index = new SubjectIndex<number>();
  const subjectOf = (i: number) => (i % 2 === 0 ? `ip:${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}.${(i * 7) & 255}` : `ip:2001:db8:${((i >>> 15) + 1).toString(16)}:${((i & 0x7fff) + 1).toString(16)}::${((i % 13) + 1).toString(16)}`);
  const clientIp = (i: number) => (i % 4 === 0 ? `::ffff:${subjectOf(i).slice(3)}` : i % 2 === 0 ? subjectOf(i).slice(3) : subjectOf(i).slice(3).toUpperCase().replace('::', ':0:0:0:'));
  const count = 200_000;
  for (let i = 0; i < count; i++) index.set(subjectOf(i), i);
  t.is(index.size, count);
  const found: (number | undefined)[] = [];
  const lookup = (i: number) => (index.collect({ ip: clientIp(i) }, found) === 1 ? found[0] : undefined);
  let wrong = 0;
  for (let i = 0; i < count; i++) if (index.get(subjectOf(i)) !== i || lookup(i) !== i) wrong += 1;
  t.is(wrong, 0);
  for (let i = 0; i < count; i += 3) t.true(index.delete(subjectOf(i)) || i < 0);
  for (let i = 0; i < count; i++) if (lookup(i) !== (i % 3 === 0 ? undefined : i)) wrong += 1;
  t.is(wrong, 0, 'deleting from a chain keeps the rest of it');
  t.is(index.size, count - Math.ceil(count / 3));
  t.is([...index.values()].length, index.size);
});

test('decide() allocates nothing on the allow path, for IPv4, IPv4-mapped and IPv6 clients (new-space growth)', (t) => {
  const exemption = new ClientExemption();
  const { replica } = setup({ exemption });
  for (let i = 0; i < 5_000; i++) {
    replica.apply(verdict(`ip:198.18.${i >> 8}.${i & 255}`, 'block', 600_000));
    replica.apply(verdict(`prefix:2001:db8:${i.toString(16)}::/64`, 'block', 600_000));
    replica.apply(verdict(`asn:${100_000 + i}`, 'block', 600_000));
  }
  // Addresses below 128.0.0.0. Known cost outside this package: for a canonical IPv4 of 128.0.0.0
  // or more, core's parseIPv4 returns a number of 2^31 or more, boxed (16 bytes) whenever V8 does
  // not inline it into AddressProbe.set (it does not in this test's process; it does in
  // bench:decide); the exemption's range search has the same cost on its cache misses. The fix
  // belongs in core/src/net (keep the address as int32 across calls).
  const clients: DecisionClient[] = [];
  for (let i = 0; i < 256; i++) {
    const extra = { asn: 64_512 + i, ja4: `t13d${i}_unheld`, user_agent: `${CHROME} ${i}` };
    clients.push(client(`80.0.113.${i}`, extra), client(`::ffff:80.0.114.${i}`, extra), client(`2a00:1450:${i.toString(16)}::${i + 1}`, extra));
  }
  // Another user agent on each client's own address: every lookup reaches the address's user agents, and misses.
  for (const c of clients) replica.apply(verdict(clientSubjects({ ip: c.ip, user_agent: 'curl/8.5.0' })[0] as string, 'block', 600_000));
  const decide = (calls: number) => {
    let allowed = 0;
    for (let i = 0; i < calls; i++) if (replica.decide(clients[i % clients.length] as DecisionClient).action === 'allow') allowed += 1;
    return allowed;
  };
  const check = (calls: number) => {
    let allowed = 0;
    for (let i = 0; i < calls; i++) if (exemption.check(clients[i % clients.length] as DecisionClient) === null) allowed += 1;
    return allowed;
  };
  t.is(decide(200_000), 200_000, 'control: every client is allowed (and the code is optimised)');
  t.is(check(200_000), 200_000);
  const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_used_size ?? 0;
  const growth = (body: () => unknown) => {
    const samples: number[] = [];
    for (let attempt = 0; attempt < 200 && samples.length < 15; attempt++) {
      const before = newSpace();
      body();
      const after = newSpace();
      if (after >= before) samples.push(after - before); // no scavenge ran in between
    }
    return samples.sort((a, b) => a - b)[samples.length >> 1] as number;
  };
  const empty = growth(() => decide(0));
  const perDecide = (growth(() => decide(3_000)) - empty) / 3_000;
  const perCheck = (growth(() => check(3_000)) - empty) / 3_000;
  t.log(`decide ${perDecide.toFixed(2)} bytes per call, of which the exemption check ${perCheck.toFixed(2)}`);
  t.true(perDecide < 1, `decide ${perDecide.toFixed(2)} bytes per call`);
});
