// Writes this directory's golden inputs (config.json, input.ndjson) from hand-built summaries.
// Run after a build, from anywhere: `node src/credential-stuffing/testdata/generate.mjs`; then
// `UPDATE_GOLDEN=1 npx ava 'dist/credential-stuffing/**/*.test.js'` and read every expected.ndjson.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { T0, caseWriter, ip, timeline, range } from '../../test-support/golden-inputs.mjs';

const write = caseWriter(dirname(fileURLToPath(import.meta.url)));

// brute-force-ip: one IP failing every 3 s → log at 5, challenge at 10, block at 30; a human with one typo beside it; state released after 3 h.
{
  const bot = []; for (let i = 0; i < 40; i++) bot.push({ subject: ip('203.0.113.9'), step_ms: T0 + i * 3_000, counters: { requests: 1, logins: 1, login_failures: 1 } });
  const human = [0, 20_000, 45_000].map((d, i) => ({ subject: ip('192.0.2.10'), step_ms: T0 + d, counters: { requests: 3, logins: 1, login_failures: i === 0 ? 1 : 0 } }));
  write('brute-force-ip', {}, timeline([bot, human], 30_000, T0 + 3 * 3_600_000));
}
// office-nat: 40 people behind one NAT log in over ten minutes, 4 typos; the /24 sees one IP: nothing.
{
  const office = [];
  for (let i = 0; i < 44; i++) {
    const step = T0 + i * 13_000; const fail = i % 11 === 0 ? 1 : 0;
    office.push({ subject: ip('192.0.2.50'), step_ms: step, counters: { requests: 4, logins: 1, login_failures: fail } });
    office.push({ subject: 'prefix:192.0.2.0/24', step_ms: step, counters: { requests: 4, logins: 1, login_failures: fail }, ips: ['192.0.2.50'] });
  }
  write('office-nat', {}, timeline([office], 60_000, T0 + 3 * 3_600_000));
}
// stuffing-over-asn: 300 rotating IPs, one attempt each, 9 in 10 failing → the ASN is logged then challenged (never blocked); single IPs: nothing.
{
  const asn = []; const ips = [];
  for (let i = 0; i < 100; i++) {
    const step = T0 + i * 3_000; const fails = i % 10 === 0 ? 2 : 3;
    asn.push({ subject: 'asn:64500', step_ms: step, counters: { requests: 3, logins: 3, login_failures: fails }, ips: range('198.51.', i * 3, 3) });
    if (i < 3) ips.push({ subject: ip(`198.51.${i * 3}`), step_ms: step, counters: { requests: 1, logins: 1, login_failures: 1 } });
  }
  write('stuffing-over-asn', {}, timeline([asn, ips], 30_000));
}
// mobile-asn-humans: 20 humans a second logging in on a mobile ASN, 1 in 10 failing: nothing.
{
  const mobile = [];
  for (let i = 0; i < 300; i++) mobile.push({ subject: 'asn:64501', step_ms: T0 + i * 1_000, counters: { requests: 200, logins: 20, login_failures: 2 }, ips: range('100.64.', i * 20, 20) });
  write('mobile-asn-humans', {}, timeline([mobile], 30_000));
}
// surge-populations: five minutes of customers logging in on a home ISP (asn:64510, one login
// every 3 s, 1 in 10 failing) teach the route its failure share; then a proxy pool abroad
// (asn:64520: a new address every 2 s, nothing but one login each, 9 in 10 refused, the rest
// answered 503 by a swamped origin) lifts the route's failures above that share. The pool's ASN
// is challenged at its 3rd unsuccessful attempt from 3 addresses (the surge rule), never
// blocked. Not flagged: the customers' ISP (its share stays 10 %), and a brute forcer inside a
// busy cloud (asn:64530: 15 failures in steps shared with 40 other requests from many
// addresses: its steps are never logins only, so it cannot pass for 3 addresses).
{
  const start = T0;
  const humans = []; const pool = []; const cloud = [];
  for (let i = 0; i < 600; i++) {
    const step = start + i * 1_000;
    const login = i % 3 === 0;
    humans.push({ subject: 'asn:64510', step_ms: step, counters: { requests: 40, pages: 8, assets: 30, logins: login ? 1 : 0, login_failures: login && i % 30 === 0 ? 1 : 0 }, ips: range('100.64.', i * 5, 5) });
  }
  for (let i = 0; i < 60; i++) {
    const step = start + 300_000 + i * 2_000;
    const error = i % 10 === 9;
    pool.push({ subject: 'asn:64520', step_ms: step, counters: { requests: 1, logins: 1, login_failures: error ? 0 : 1, client_errors: error ? 0 : 1, server_errors: error ? 1 : 0 }, ips: [`177.0.${i}.9`] });
  }
  for (let i = 0; i < 15; i++) {
    const step = start + 320_000 + i * 2_000;
    cloud.push({ subject: 'asn:64530', step_ms: step, counters: { requests: 41, api: 40, logins: 1, login_failures: 1, client_errors: 1 }, ips: [...range('159.89.', i * 40, 40), '159.89.200.1'] });
  }
  write('surge-populations', {}, timeline([humans, pool, cloud], 30_000));
}
