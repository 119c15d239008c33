/** The client memory's sessions (RouteSets): counted per address, and forgetting spares. */
import test from 'ava';
import { hash32 } from '../sketch/index.js';
import { RouteSets, SESSION_ROUTES } from './client-memory.js';

const T = 1_700_000_000_000;
const ROUTES = ['/api/config', '/api/products', '/api/recommendations', '/api/events'].map((route) => hash32(`shop.example${route}`));

test('an address is in a session from its third distinct route; one reading two routes never is; the horizon starts it over', (t) => {
  const sets = new RouteSets(10_000, 600_000);
  const ip = hash32('198.51.100.1');
  t.deepEqual([sets.observe(ip, T, ROUTES[0]!), sets.observe(ip, T + 1, ROUTES[1]!), sets.observe(ip, T + 2, ROUTES[1]!), sets.observe(ip, T + 3, ROUTES[2]!)], [1, 2, 2, SESSION_ROUTES]);
  const scraper = hash32('203.0.113.1');
  for (let i = 0; i < 50; i++) t.true(sets.observe(scraper, T + i * 1_000, ROUTES[i % 7 === 6 ? 3 : 1]!) < SESSION_ROUTES);
  t.is(sets.observe(ip, T + 601_000 + 3, ROUTES[3]!), 1, 'nothing for longer than the horizon: a new visit');
});

test('a full table forgets the longest-unseen address of a bucket, and a forgotten address comes back in a session (never accused for what was lost)', (t) => {
  // 1,024 slots, 6,000 addresses alive at once: most buckets overflow.
  const sets = new RouteSets(1_000, 600_000);
  const ips = Array.from({ length: 6_000 }, (_, i) => hash32(`10.${i >> 8}.${i & 255}.7`));
  ips.forEach((ip, i) => {
    sets.observe(ip, T + i, ROUTES[0]!);
    sets.observe(ip, T + i, ROUTES[1]!);
    sets.observe(ip, T + i, ROUTES[2]!);
  });
  t.true(sets.evictions > 4_000);
  // Every address that made a session is still taken for one (its own entry, or forgotten and spared).
  const again = ips.map((ip, i) => sets.observe(ip, T + 10_000 + i, ROUTES[3]!));
  t.true(again.every((count) => count === SESSION_ROUTES));
  // Two addresses that share a bucket no longer reset each other: interleaved, both reach a session.
  const quiet = new RouteSets(1_000, 600_000);
  const a = hash32('192.0.2.1');
  const b = hash32('192.0.2.2');
  const counts: number[] = [];
  for (let i = 0; i < 3; i++) counts.push(quiet.observe(a, T + i, ROUTES[i]!), quiet.observe(b, T + i, ROUTES[i]!));
  t.deepEqual(counts.slice(-2), [SESSION_ROUTES, SESSION_ROUTES]);
});
