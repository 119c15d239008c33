// Writes this directory's golden inputs (config.json, input.ndjson) from hand-built summaries.
// Run after a build, from anywhere: `node src/scraping/testdata/generate.mjs`; then
// `UPDATE_GOLDEN=1 npx ava 'dist/scraping/**/*.test.js'` and read every expected.ndjson.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { T0, caseWriter, ip, timeline, range } from '../../test-support/golden-inputs.mjs';

const write = caseWriter(dirname(fileURLToPath(import.meta.url)));

// catalogue-scraper-ip: 3 product pages a second, ids in a row, no assets, no Referer → challenged on its first step
// (walk: 3 dense ids of bare pages), blocked on its second (walk: 6), the block repeated after reemit_ms.
{
  const bot = []; for (let i = 0; i < 110; i++) bot.push({ subject: ip('203.0.113.1'), step_ms: T0 + i * 1_000, counters: { requests: 3, pages: 3 }, urls: range('/product/', 5_000 + 3 * i, 3), ids: [5_000 + 3 * i, 5_001 + 3 * i, 5_002 + 3 * i] });
  write('catalogue-scraper-ip', {}, timeline([bot], 30_000));
}
// human-reader: 100 random product pages with their 8 assets over an hour, as a browser sends them (every asset names its
// page in a Referer, every page after the first was reached by a link): nothing; state released at the end.
{
  const human = [];
  let seed = 11; const rnd = () => (seed = (seed * 48_271) % 2_147_483_647) % 90_000;
  for (let i = 0; i < 100; i++) { const id = 10_000 + rnd(); human.push({ subject: ip('192.0.2.30'), step_ms: T0 + i * 36_000, counters: { requests: 9, pages: 1, assets: 8, referers: i === 0 ? 8 : 9 }, urls: [`/product/${id}`], ids: [id] }); }
  write('human-reader', {}, timeline([human], 60_000, T0 + 6 * 3_600_000));
}
// ja4-fleet: 400 IPs used once each behind one JA4, no assets, no Referer → nothing while the detector has watched less than
// the ja4 min_watched_ms (120 s), then blocked at once (distributed: 240 distinct pages ≥ 60); the IPs alone (one page each)
// and a Chrome JA4 of humans with assets who navigate (8 of 10 pages reached by a link): nothing.
{
  const fleet = []; const ips = [];
  for (let i = 0; i < 200; i++) {
    fleet.push({ subject: 'ja4:t13d190900_9dc949149365_97f8aa674fd9', step_ms: T0 + i * 1_000, counters: { requests: 2, pages: 2 }, urls: range('/p/', 2 * i, 2), ips: range('100.64.', 2 * i, 2) });
    if (i < 5) ips.push({ subject: ip(`100.64.${2 * i}`), step_ms: T0 + i * 1_000, counters: { requests: 1, pages: 1 }, urls: [`/p/${2 * i}`] });
  }
  const chrome = [];
  for (let i = 0; i < 200; i++) chrome.push({ subject: 'ja4:t13d1516h2_8daaf6152771_e5627efa2ab1', step_ms: T0 + i * 1_000, counters: { requests: 90, pages: 10, assets: 80, referers: 80 + 8 }, urls: range('/p/', 10 * i, 10), ips: range('100.70.', 10 * i, 10) });
  write('ja4-fleet', {}, timeline([fleet, ips, chrome], 30_000));
}
// low-and-slow: a page every 20 s for 3.5 h, never an asset or a Referer (reemit 30 min) → challenged at 40 s (cadence: 3 pages
// at a steady 20 s), blocked at 100 s (cadence: 6), the block repeated every 30 min; low_and_slow shows in the evidence
// (1 from 150 distinct pages, 2 from 300). The long-window rule alone is tested in scraping.test.ts.
{
  const slow = []; for (let i = 0; i < 630; i++) slow.push({ subject: ip('203.0.113.4'), step_ms: T0 + i * 20_000, counters: { requests: 1, pages: 1 }, urls: [`/article/${i}`] });
  write('low-and-slow', { reemit_ms: 1_800_000 }, timeline([slow], 600_000));
}
