// Writes this directory's golden inputs (config.json, input.ndjson) from hand-built traffic.
// Run from anywhere: `node src/inventory-hoarding/testdata/generate.mjs`; then
// `UPDATE_GOLDEN=1 npx ava dist/inventory-hoarding/` and read every expected.ndjson.
//
// The detector reads the engine's features: `cart` (classify.cart_paths), `new_client` (nothing
// from the address within the client memory's horizon), `ua_hash`, `server_error`; events carry
// the status.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const T0 = 1_700_000_000_000;
let ray = 0;

function write(name, config, steps) {
  const base = join(here, name);
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const sorted = steps.sort((a, b) => a.event.timestamp_ms - b.event.timestamp_ms);
  const out = [];
  let flush = T0 + 5_000;
  for (const s of sorted) {
    while (s.event.timestamp_ms >= flush) {
      out.push({ flush: flush - 1_000 });
      flush += 5_000;
    }
    out.push(s);
  }
  out.push({ flush: sorted.at(-1).event.timestamp_ms + 300_000 });
  writeFileSync(join(base, 'input.ndjson'), out.map((s) => JSON.stringify(s)).join('\n') + '\n');
}

/** Any number per distinct user agent (the engine's is FNV-1a). */
function uaHash(ua) {
  let h = 0;
  for (let i = 0; i < ua.length; i++) h = (Math.imul(h, 31) + ua.charCodeAt(i)) | 0;
  return h >>> 0;
}

/** One request: `cart` for cart/checkout paths; `fresh` when it is the address's first within the horizon. */
function request(at, ip, ua, path, { method = 'GET', status = 200, cart = false, fresh = false, kind = 'page' } = {}) {
  ray += 1;
  return { event: { ray_id: `r${ray}`, timestamp_ms: at, ip, method, path, user_agent: ua, status }, features: { kind, ua_hash: uaHash(ua), cart, new_client: fresh } };
}

// release-rush: at T0 + 10 s a product goes on sale.
// - Six hoarding tasks rotate proxies: each address's first request is an add-to-cart (fresh),
//   then add-to-cart every 250 ms (409 once sold out): the first five cold carts make the rush,
//   from the fifth on each is challenged at its first request; a task that stays on its address
//   for 4 carts within 5 s is blocked.
// - A buyer views the product (page and assets) from her address, adds it to the cart 4 s later,
//   opens the checkout 3 s after that and orders 40 s later: never judged.
// - A buyer whose shop answers 503 twice retries the add-to-cart: the 5xx are not counted.
// - A carrier NAT exit (two user agents) sends eight buyers' carts within 5 s: shared, not judged.
{
  const steps = [];
  const release = T0 + 10_000;
  for (let task = 0; task < 6; task++) {
    const ip = `203.0.113.${10 + task}`;
    const start = release + task * 700;
    for (let i = 0; i < (task === 5 ? 6 : 3); i++) steps.push(request(start + i * 250, ip, 'okhttp/4.12.0', '/api/cart/items', { method: 'POST', status: i === 0 ? 200 : 409, cart: true, fresh: i === 0, kind: 'api' }));
  }
  const buyer = '198.51.100.20';
  const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36';
  steps.push(request(release - 3_000, buyer, chrome, '/product/1234', { fresh: true }));
  for (let i = 0; i < 6; i++) steps.push(request(release - 2_900 + i * 40, buyer, chrome, `/static/app-${i}.js`, { kind: 'asset' }));
  steps.push(request(release + 1_000, buyer, chrome, '/cart/add', { method: 'POST', cart: true, kind: 'api' }));
  steps.push(request(release + 4_000, buyer, chrome, '/checkout', { cart: true }));
  steps.push(request(release + 44_000, buyer, chrome, '/checkout', { method: 'POST', status: 302, cart: true }));
  const retrier = '198.51.100.21';
  steps.push(request(release - 1_000, retrier, chrome, '/product/1234', { fresh: true }));
  steps.push(request(release + 500, retrier, chrome, '/cart/add', { method: 'POST', status: 503, cart: true, kind: 'api' }));
  steps.push(request(release + 2_000, retrier, chrome, '/cart/add', { method: 'POST', status: 503, cart: true, kind: 'api' }));
  steps.push(request(release + 3_500, retrier, chrome, '/cart/add', { method: 'POST', cart: true, kind: 'api' }));
  steps.push(request(release + 5_000, retrier, chrome, '/checkout', { cart: true }));
  const nat = '100.64.30.1';
  steps.push(request(release - 5_000, nat, 'okhttp/4.11.0', '/api/products/1234', { fresh: true, kind: 'api' }));
  for (let i = 0; i < 8; i++) steps.push(request(release + 200 + i * 500, nat, i % 2 === 0 ? 'okhttp/4.12.0' : 'okhttp/4.11.0', '/api/cart/items', { method: 'POST', cart: true, kind: 'api' }));
  write('release-rush', { cold_cart: { warmup_ms: 0 } }, steps);
}

// browsed-burst: a task that polled the product from its address before the release (not
// cold) needs min_carts_browsed (6) within 5 s; a lone cold cart outside any rush is let be.
{
  const steps = [];
  const ip = '203.0.113.50';
  for (let i = 0; i < 10; i++) steps.push(request(T0 + i * 1_000, ip, 'okhttp/4.12.0', '/api/products/77', { fresh: i === 0, kind: 'api' }));
  for (let i = 0; i < 8; i++) steps.push(request(T0 + 10_000 + i * 300, ip, 'okhttp/4.12.0', '/api/cart/items', { method: 'POST', status: 409, cart: true, kind: 'api' }));
  steps.push(request(T0 + 30_000, '198.51.100.60', 'okhttp/4.12.0', '/api/cart/items', { method: 'POST', cart: true, fresh: true, kind: 'api' }));
  write('browsed-burst', { cold_cart: { warmup_ms: 0 } }, steps);
}
