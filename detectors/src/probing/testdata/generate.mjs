// Writes this directory's golden inputs (config.json, input.ndjson) from hand-built summaries.
// Run after a build, from anywhere: `node src/probing/testdata/generate.mjs`; then
// `UPDATE_GOLDEN=1 npx ava 'dist/probing/**/*.test.js'` and read every expected.ndjson.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { T0, caseWriter, ip, timeline } from '../../test-support/golden-inputs.mjs';

const write = caseWriter(dirname(fileURLToPath(import.meta.url)));

// scanner-ip: probes at 0 s (log), 30 s (cooldown), 60 s (third: block); a human with two broken links: nothing.
{
  const scanner = [0, 30_000, 60_000, 61_000].map((d, i) => ({ subject: ip('203.0.113.5'), step_ms: T0 + d, counters: { requests: i === 3 ? 5 : 1, probes: i === 3 ? 5 : 1, not_found: i === 3 ? 5 : 1, client_errors: i === 3 ? 5 : 1 } }));
  const human = []; for (let i = 0; i < 50; i++) human.push({ subject: ip('192.0.2.20'), step_ms: T0 + i * 2_000, counters: { requests: 2, not_found: i === 10 || i === 30 ? 1 : 0, client_errors: i === 10 || i === 30 ? 1 : 0 } });
  write('scanner-ip', {}, timeline([scanner, human], 30_000, T0 + 3_600_000));
}
// broken-links-human: 3 broken links in 720 requests; a page with 15 missing images (16 requests): nothing.
{
  const human = []; for (let i = 0; i < 120; i++) human.push({ subject: ip('192.0.2.21'), step_ms: T0 + i * 5_000, counters: { requests: 6, not_found: i % 40 === 5 ? 1 : 0, client_errors: i % 40 === 5 ? 1 : 0 } });
  const broken = [{ subject: ip('192.0.2.22'), step_ms: T0 + 3_000, counters: { requests: 16, not_found: 15, client_errors: 15 } }];
  write('broken-links-human', {}, timeline([human, broken], 60_000));
}
// distributed-probes-prefix: one probe from each of 30 IPs of a /24 → each IP logged, the prefix logged then challenged.
{
  const prefix = []; const ips = [];
  for (let i = 0; i < 30; i++) {
    prefix.push({ subject: 'prefix:198.51.100.0/24', step_ms: T0 + i * 10_000, counters: { requests: 3, probes: 1, not_found: 1, client_errors: 1 }, ips: [`198.51.100.${i}`] });
    ips.push({ subject: ip(`198.51.100.${i}`), step_ms: T0 + i * 10_000, counters: { requests: 3, probes: 1, not_found: 1, client_errors: 1 } });
  }
  write('distributed-probes-prefix', {}, timeline([prefix, ips], 60_000));
}
// fuzzing-404: 12 requests a second, 11 of them 404 → log, then challenge at 100 not-found; never block.
{
  const fuzz = []; for (let i = 0; i < 20; i++) fuzz.push({ subject: ip('203.0.113.6'), step_ms: T0 + i * 1_000, counters: { requests: 12, not_found: 11, client_errors: 12 } });
  write('fuzzing-404', {}, timeline([fuzz], 5_000));
}
