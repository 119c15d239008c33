// Writes the golden inputs (config.json, input.ndjson) of the arrival cases from hand-built ip:
// summaries (the older cases, aggregates, calm-then-spike and flood-onset, were written by hand).
// Run after a build, from anywhere: `node src/l7-flood/testdata/generate.mjs`; then
// `UPDATE_GOLDEN=1 npx ava 'dist/l7-flood/**/*.test.js'` and read every expected.ndjson.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', '..', 'dist');
const { T0, makeSummary } = await import(join(dist, 'test-support', 'summary-specs.js'));
const { encodeSummary } = await import(join(dist, 'engine', 'summary.js'));

/** A spec with the route its requests went to (all of them unless `route_requests` says otherwise). */
function line(spec) {
  const summary = makeSummary(spec);
  summary.top_route = spec.route;
  summary.top_route_requests = spec.route_requests ?? summary.requests;
  return `{"summary":${encodeSummary(summary)}}`;
}

function write(name, config, steps) {
  const base = join(here, name);
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  writeFileSync(join(base, 'input.ndjson'), steps.map((s) => (typeof s === 'number' ? JSON.stringify({ flush: s }) : line(s))).join('\n') + '\n');
}

// arrivals-on-spike: the home page spikes at T0 + 2 s. Flood: 6 new addresses, a cache-busting
// request every second each (the first two before the route is flagged) → challenge at the
// second spiking-era step, block at the fifth request; one API flooder on /api/search (half its
// calls cache-busting) → challenge. Humans on the same spiking routes → nothing: a new visitor
// loading the page's assets; one whose assets are cached but who moves on to a product; a
// searcher during the overload whose pages all fail (5xx, words); a buyer refreshing one
// product page; an address already known; the app searching in words.
{
  const HOME = 'shop.example/';
  const steps = [];
  for (let i = 0; i < 8; i++) {
    const step_ms = T0 + i * 1_000;
    const spiking = i >= 2 ? 1 : 0;
    steps.push(T0 + (i - 2) * 1_000);
    for (let b = 0; b < 6; b++) {
      steps.push({ subject: `ip:198.51.100.${b}`, step_ms, route: HOME, counters: { requests: 1, pages: 1, cache_busting: 1, spiking_route: spiking, new_clients: i === 0 ? 1 : 0, referers: b % 2 }, urls: [`/?cb${b}x${i}z9`] });
    }
    steps.push({ subject: 'ip:198.51.100.77', step_ms, route: 'shop.example/api/search', counters: { requests: 1, api: 1, spiking_route: spiking, cache_busting: i % 2, new_clients: i === 0 ? 1 : 0 } });
    if (i === 2) {
      steps.push({ subject: 'ip:192.0.2.1', step_ms, route: HOME, route_requests: 1, counters: { requests: 9, pages: 1, assets: 8, spiking_route: 1, new_clients: 1 }, urls: ['/'] });
      steps.push({ subject: 'ip:192.0.2.2', step_ms, route: HOME, counters: { requests: 1, pages: 1, spiking_route: 1, new_clients: 1, referers: 1 }, urls: ['/'] });
    }
    if (i === 3) steps.push({ subject: 'ip:192.0.2.2', step_ms, route: 'shop.example/product/:id', counters: { requests: 1, pages: 1, referers: 1 }, urls: ['/product/12'] });
    if (i >= 2) {
      steps.push({ subject: 'ip:192.0.2.3', step_ms, route: HOME, counters: { requests: 1, pages: 1, spiking_route: 1, server_errors: 1, new_clients: i === 2 ? 1 : 0 }, urls: [`/?q=red+shoes+${'x'.repeat(i)}`] });
      steps.push({ subject: 'ip:192.0.2.4', step_ms, route: HOME, counters: { requests: 1, pages: 1, spiking_route: 1, new_clients: i === 2 ? 1 : 0 }, urls: ['/'] });
      steps.push({ subject: 'ip:192.0.2.5', step_ms, route: HOME, counters: { requests: 1, pages: 1, cache_busting: 1, spiking_route: 1 }, urls: [`/?known${i}z9x`] });
      steps.push({ subject: 'ip:192.0.2.6', step_ms, route: 'shop.example/api/search', counters: { requests: 2, api: 2, spiking_route: 2, new_clients: i === 2 ? 1 : 0 } });
    }
  }
  steps.push(T0 + 70_000);
  write('arrivals-on-spike', {}, steps);
}
