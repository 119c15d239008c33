import test from 'ava';
import { CLOUDFLARE_HEADERS, EDGE_HEADERS } from '@botsieve/core';
import { readEdgeFacts } from './edge-headers.js';

test('well-formed edge headers are read', (t) => {
  t.deepEqual(
    readEdgeFacts({ 'cf-ray': '8a1b2c3d4e5f6789-AMS', 'cf-ipcountry': 'nl', 'botsieve-bot-score': ' 12 ', 'botsieve-verified-bot': 'TRUE', 'botsieve-verified-bot-category': 'Search Engine Crawler', 'botsieve-ja4': 'T13D1516H2_8daaf6152771_02713d6af862', 'botsieve-asn': '15169' }),
    { ray_id: '8a1b2c3d4e5f6789', country: 'NL', bot_score: 12, verified: true, verified_bot_category: 'Search Engine Crawler', ja4: 't13d1516h2_8daaf6152771_02713d6af862', asn: 15169 },
  );
  t.like(readEdgeFacts({ 'botsieve-verified-bot': '0' }), { verified: false });
});

test('malformed, out-of-range or repeated values are absent, never a default with a meaning', (t) => {
  const cases: Record<string, string | string[]>[] = [
    { 'botsieve-bot-score': '0' },
    { 'botsieve-bot-score': '100' },
    { 'botsieve-bot-score': '1e1' },
    { 'botsieve-bot-score': '-5' },
    { 'botsieve-bot-score': ['5', '6'] },
    { 'botsieve-verified-bot': 'yes' },
    { 'botsieve-verified-bot': ['true', 'true'] },
    { 'botsieve-asn': '0' },
    { 'botsieve-asn': '99999999999' },
    { 'botsieve-ja4': 'x'.repeat(65) },
    { 'botsieve-ja4': 'abc"<script>' },
    { 'cf-ray': 'not-a-ray' },
    { 'cf-ipcountry': 'Netherlands' },
    { 'botsieve-verified-bot-category': '<b>bot</b>' },
  ];
  for (const headers of cases) {
    t.deepEqual(readEdgeFacts(headers), { ray_id: null, country: null, bot_score: null, verified: null, verified_bot_category: null, ja4: null, asn: null }, JSON.stringify(headers));
  }
});

test('the contract: our headers are lower-case botsieve-*, never Cloudflare-reserved; Cloudflare\'s are cf-*', (t) => {
  const ours = Object.values(EDGE_HEADERS);
  t.true(ours.length >= 10);
  for (const name of ours) {
    t.regex(name, /^botsieve-[a-z0-9-]+$/, name);
    t.false(/^(x-)?cf-/.test(name), `${name}: Cloudflare owns cf- and x-cf- request headers`);
  }
  for (const name of Object.values(CLOUDFLARE_HEADERS)) t.regex(name, /^cf-[a-z-]+$/, name);
  t.is(new Set([...ours, ...Object.values(CLOUDFLARE_HEADERS)]).size, ours.length + Object.values(CLOUDFLARE_HEADERS).length, 'no name twice');
});
