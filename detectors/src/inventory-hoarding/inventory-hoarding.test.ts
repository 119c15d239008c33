import test from 'ava';
import { METRIC, type RequestEvent } from '@botsieve/core';
import { ManualClock, nullTelemetry } from '@botsieve/runtime';
import { defaultFeatures } from '../engine/default-features.js';
import type { EventFeatures } from '../engine/features.js';
import type { Signal } from '../engine/signal.js';
import { registerGoldenTests } from '../test-support/detector-golden.js';
import { makeEvent, metricValue } from '../test-support/events.js';
import { parseInventoryHoardingConfig } from './config.js';
import { inventoryHoarding, InventoryHoardingDetector } from './inventory-hoarding.js';

const T0 = 1_700_000_000_000;

registerGoldenTests(test, 'inventory-hoarding', inventoryHoarding, 2);

/** The detector under test; warm from its first event unless `raw` sets `cold_cart.warmup_ms` (see the cold-start test). */
function detector(raw: Record<string, unknown> = {}, telemetry = nullTelemetry()): InventoryHoardingDetector {
  const component = telemetry.component('detector/test');
  const config = { ...raw, cold_cart: { warmup_ms: 0, ...(raw.cold_cart as object | undefined) } };
  return inventoryHoarding.create(inventoryHoarding.parseConfig(config), { clock: new ManualClock(T0), logger: component.log, metrics: component.metrics, id: 'h' }) as InventoryHoardingDetector;
}

interface Hit {
  ts: number;
  ip: string;
  cart?: boolean;
  status?: number;
  ua?: number;
  fresh?: boolean;
  /** The address's network; 0 (unknown, the default here) is never counted towards a fleet. */
  asn?: number;
}

function run(d: InventoryHoardingDetector, hits: Hit[]): Signal[] {
  const out: Signal[] = [];
  for (const hit of hits) {
    const event: RequestEvent = makeEvent({ ip: hit.ip, asn: hit.asn ?? 0, timestamp_ms: hit.ts, path: hit.cart === true ? '/api/cart/items' : '/api/products/1', method: hit.cart === true ? 'POST' : 'GET', status: hit.status ?? 200 });
    const features: EventFeatures = { ...defaultFeatures(event), kind: 'api', cart: hit.cart === true, new_client: hit.fresh === true, ua_hash: hit.ua ?? 1 };
    out.push(...d.process(event, features));
  }
  return out;
}

/** A task on one address: `carts` add-to-cart requests `gap_ms` apart from `start`, the first one fresh. */
const task = (ip: string, start: number, carts: number, gap_ms = 250): Hit[] => Array.from({ length: carts }, (_, i) => ({ ts: start + i * gap_ms, ip, cart: true, fresh: i === 0, status: i === 0 ? 200 : 409 }));

test('a cold address bursting carts is blocked at the 4th within 5 s; one that browsed first at the 6th', (t) => {
  const cold = run(detector(), task('203.0.113.1', T0, 6));
  t.deepEqual(cold.map((s) => [s.detector, s.action, s.evidence.carts]), [['h/burst', 'block', 4]]);
  const browsed: Hit[] = [{ ts: T0, ip: '203.0.113.2', fresh: true }, ...task('203.0.113.2', T0 + 1_000, 8).map((h) => ({ ...h, fresh: false }))];
  t.deepEqual(run(detector(), browsed).map((s) => [s.action, s.evidence.carts, s.evidence.cold]), [['block', 6, 0]]);
});

test('a person: product view, add to cart, checkout, order; retries of 5xx answers are not counted', (t) => {
  const buyer: Hit[] = [
    { ts: T0, ip: '198.51.100.1', fresh: true },
    { ts: T0 + 4_000, ip: '198.51.100.1', cart: true },
    { ts: T0 + 7_000, ip: '198.51.100.1', cart: true },
    { ts: T0 + 47_000, ip: '198.51.100.1', cart: true },
  ];
  const retries: Hit[] = [
    { ts: T0, ip: '198.51.100.2', fresh: true },
    ...[500, 1_500, 2_500, 3_000].map((d) => ({ ts: T0 + d, ip: '198.51.100.2', cart: true, status: 503 })),
    { ts: T0 + 3_500, ip: '198.51.100.2', cart: true },
    { ts: T0 + 4_000, ip: '198.51.100.2', cart: true },
  ];
  t.deepEqual(run(detector(), [...buyer, ...retries]), []);
});

test('cold carts: challenged from the rush on (5 addresses within 10 s), never a lone one', (t) => {
  const hits = [0, 1, 2, 3, 4, 5, 6].flatMap((i) => task(`203.0.113.${20 + i}`, T0 + i * 1_000, 2));
  const signals = run(detector(), hits);
  t.deepEqual(
    signals.map((s) => [s.subject, s.detector, s.action, s.ttl_ms]),
    [20 + 4, 20 + 5, 20 + 6].map((n) => [`ip:203.0.113.${n}`, 'h/cold_cart', 'challenge', 300_000]),
  );
  // Far apart (one a minute): no rush, nothing.
  t.deepEqual(run(detector(), [0, 1, 2, 3, 4, 5, 6].flatMap((i) => task(`203.0.113.${40 + i}`, T0 + i * 60_000, 2))), []);
});

test('a shared address (a second user agent) is never judged: its carts are several people\'s', (t) => {
  const nat: Hit[] = Array.from({ length: 12 }, (_, i) => ({ ts: T0 + i * 300, ip: '198.51.100.9', cart: true, ua: 1 + (i % 3), fresh: i === 0 }));
  t.deepEqual(run(detector(), nat), []);
});

test('cooldown: escalation signals at once, the same action again only after cooldown_ms', (t) => {
  const hits = [0, 1, 2, 3].flatMap((i) => task(`203.0.113.${60 + i}`, T0 + i * 500, 1)).concat(task('203.0.113.64', T0 + 2_500, 30, 300).map((h, i) => ({ ...h, fresh: i === 0 })));
  const signals = run(detector(), hits).filter((s) => s.subject === 'ip:203.0.113.64');
  t.deepEqual(signals.map((s) => [s.action, (s.at - T0 - 2_500) / 300]), [['challenge', 0], ['block', 3]]);
  const later = run(detector({ cooldown_ms: 3_000 }), task('203.0.113.70', T0, 30, 300)).map((s) => (s.at - T0) / 300);
  t.deepEqual(later, [3, 13, 23]);
});

test('bounded state: only addresses that sent a cart request are tracked, at most the cap, idle ones forgotten', async (t) => {
  const telemetry = nullTelemetry();
  const d = detector({ max_tracked_ips: 100 }, telemetry);
  run(d, Array.from({ length: 5_000 }, (_, i) => ({ ts: T0 + i, ip: `10.${i >> 8}.${i & 255}.1` })));
  t.is(d.trackedAddresses(), 0);
  run(d, Array.from({ length: 5_000 }, (_, i) => ({ ts: T0 + i, ip: `10.${i >> 8}.${i & 255}.2`, cart: true })));
  t.is(d.trackedAddresses(), 100);
  d.flush(T0 + 1_000_000);
  t.is(d.trackedAddresses(), 0);
  t.is(await metricValue(telemetry, METRIC.discarded, { reason: 'state_evicted' }), 4_900);
});

test('cold start: before warmup_ms of watching no address is cold (no cold_cart, bursts need min_carts_browsed); after it the same rush is challenged', (t) => {
  const d = detector({ cold_cart: { warmup_ms: 120_000 } });
  // A rush of 8 fresh addresses at the cart within 2 s, 1 s after the detector's first request.
  const rush = (start: number, net: number) => [0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => task(`198.51.${net}.${i}`, start + i * 250, 5));
  const early = run(d, [{ ts: T0, ip: '192.0.2.1' }, ...rush(T0 + 1_000, 100)]);
  t.deepEqual(early, [], 'people who viewed the product just before the start are not cold; 5 carts are below min_carts_browsed');
  const late = run(d, rush(T0 + 120_000, 101));
  t.true(late.some((s) => s.detector === 'h/cold_cart' && s.action === 'challenge'));
  t.true(late.some((s) => s.detector === 'h/burst' && s.evidence.cold === 1 && s.evidence.carts === 4));
});

test('config: defaults, unknown keys, reconfigure keeps or restarts state', (t) => {
  const config = parseInventoryHoardingConfig({});
  t.like(config.burst, { window_ms: 5_000, min_carts: 4, min_carts_browsed: 6, action: 'block' });
  t.like(config.cold_cart, { rush_min_addresses: 5, action: 'challenge', ttl_ms: 300_000, warmup_ms: 120_000 });
  t.is(inventoryHoarding.lookbackMs(config), 120_000);
  t.throws(() => parseInventoryHoardingConfig({ burst: { min_cart: 3 } }), { code: 'ERR_DETECTOR_CONFIG' });
  const d = detector();
  run(d, task('203.0.113.80', T0, 2));
  d.reconfigure(parseInventoryHoardingConfig({ cooldown_ms: 1_000 }));
  t.is(d.trackedAddresses(), 1, 'thresholds only: state kept');
  d.reconfigure(parseInventoryHoardingConfig({ burst: { min_carts_browsed: 8 } }));
  t.is(d.trackedAddresses(), 0, 'a new ring size starts afresh');
});

test('fleet: the 3rd address of one network caught within 60 s challenges the ASN, renewed while addresses keep being caught; other networks and unknown ones are not', (t) => {
  const d = detector();
  const at = (i: number) => T0 + i * 10_000;
  /** `n` task addresses of `asn`, one every 10 s from slot `from`, each bursting 4 carts. */
  const fleet = (asn: number, from: number, n: number): Hit[][] => Array.from({ length: n }, (_, i) => task(`198.51.${asn % 256}.${from + i + 1}`, at(from + i), 4).map((h) => ({ ...h, asn })));
  const signals = run(d, [...fleet(64501, 0, 2), ...fleet(64502, 2, 1), ...fleet(64501, 3, 1), ...fleet(64501, 4, 8)].flat());
  const networks = signals.filter((s) => s.subject.startsWith('asn:'));
  t.deepEqual(
    networks.map((s) => [s.subject, s.detector, s.action, s.score, s.ttl_ms, s.evidence.addresses, (s.at - T0 - 750) / 10_000]),
    [
      ['asn:64501', 'h/fleet', 'challenge', 20, 120_000, 3, 3],
      ['asn:64501', 'h/fleet', 'challenge', 20, 120_000, 3, 9],
    ],
    'the 3rd address at 30 s; renewed 60 s (half the TTL) later while addresses are caught',
  );
  t.is(signals.filter((s) => s.subject.startsWith('ip:')).length, 12, 'every address is still blocked on its own');
  // Three addresses spread over more than the window are not a fleet; unknown networks never are.
  const slow = run(detector(), fleet(64503, 0, 3).flatMap((hits, i) => hits.map((h) => ({ ...h, ts: h.ts + i * 60_000 }))));
  t.false(slow.some((s) => s.subject.startsWith('asn:')));
  const unknown = run(detector(), Array.from({ length: 5 }, (_, i) => task(`203.0.113.${i + 1}`, at(i), 4)).flat());
  t.false(unknown.some((s) => s.subject.startsWith('asn:')));
  const off = run(detector({ fleet: { enabled: false } }), fleet(64501, 0, 5).flat());
  t.false(off.some((s) => s.subject.startsWith('asn:')));
});
