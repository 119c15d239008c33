import test from 'ava';
import { readEdgeFacts } from './edge-headers.js';

test('well-formed edge headers are read', (t) => {
  t.deepEqual(
    readEdgeFacts({ 'cf-ray': '8a1b2c3d4e5f6789-AMS', 'cf-ipcountry': 'nl', 'cf-bot-score': ' 12 ', 'cf-verified-bot': 'TRUE', 'cf-verified-bot-category': 'Search Engine Crawler', 'cf-ja4': 'T13D1516H2_8daaf6152771_02713d6af862', 'cf-asn': '15169' }),
    { ray_id: '8a1b2c3d4e5f6789', country: 'NL', bot_score: 12, verified: true, verified_bot_category: 'Search Engine Crawler', ja4: 't13d1516h2_8daaf6152771_02713d6af862', asn: 15169 },
  );
  t.like(readEdgeFacts({ 'cf-verified-bot': '0' }), { verified: false });
});

test('malformed, out-of-range or repeated values are absent, never a default with a meaning', (t) => {
  const cases: Record<string, string | string[]>[] = [
    { 'cf-bot-score': '0' },
    { 'cf-bot-score': '100' },
    { 'cf-bot-score': '1e1' },
    { 'cf-bot-score': '-5' },
    { 'cf-bot-score': ['5', '6'] },
    { 'cf-verified-bot': 'yes' },
    { 'cf-verified-bot': ['true', 'true'] },
    { 'cf-asn': '0' },
    { 'cf-asn': '99999999999' },
    { 'cf-ja4': 'x'.repeat(65) },
    { 'cf-ja4': 'abc"<script>' },
    { 'cf-ray': 'not-a-ray' },
    { 'cf-ipcountry': 'Netherlands' },
    { 'cf-verified-bot-category': '<b>bot</b>' },
  ];
  for (const headers of cases) {
    t.deepEqual(readEdgeFacts(headers), { ray_id: null, country: null, bot_score: null, verified: null, verified_bot_category: null, ja4: null, asn: null }, JSON.stringify(headers));
  }
});
