/**
 * The world populations' shapes, in one small world with pinned attackers (testing.ts): what
 * each class exists to show, asserted on its requests.
 */
import test from 'ava';
import { EXTRA_CLOUDS, HOSTING } from '../networks.js';
import { elapsed, smallWorldRun } from '../test-support.js';
import type { SimulatedRequest } from '../world.js';

function byClass(cls: string): SimulatedRequest[] {
  return smallWorldRun().requests.filter((request) => request.label.class === cls);
}

function identity(request: SimulatedRequest): string {
  return `${request.record.ClientRequestUserAgent} ${request.record.JA4 ?? ''}`;
}

const CLOUD_ASNS = new Set([...HOSTING, ...EXTRA_CLOUDS].map((net) => net.asn));
const RELEASE_S = 60;

test('mobile-app users call only the API, never an asset, with an HTTP library, hundreds behind a NAT exit', (t) => {
  const app = byClass('human_app');
  t.true(app.length > 500, `${app.length} requests`);
  t.true(app.every((request) => request.record.ClientRequestPath.startsWith('/api/')), 'an app request outside /api/');
  t.true(app.every((request) => request.record.ClientRequestReferer === ''));
  t.true(app.every((request) => /^okhttp\/|CFNetwork\//.test(request.record.ClientRequestUserAgent)));
  t.true(app.every((request) => request.record.ClientRequestProtocol === 'HTTP/2' || request.record.ClientRequestProtocol === 'HTTP/3'));
  const users = new Map<string, Set<string>>();
  for (const request of app) users.set(request.record.ClientIP, (users.get(request.record.ClientIP) ?? new Set()).add(request.label.actor));
  const crowded = Math.max(...[...users.values()].map((actors) => actors.size));
  t.true(crowded >= 50, `at most ${crowded} app users on one address`);
});

test('single-page-app sessions load one page and its shell, then call /api/ for everything', (t) => {
  const spa = byClass('human_spa');
  const api = spa.filter((request) => request.record.ClientRequestPath.startsWith('/api/'));
  t.true(api.length / spa.length > 0.5, `${api.length} of ${spa.length} on /api/`);
  const pages = new Map<string, number>();
  for (const request of spa) if (request.record.EdgeResponseContentType === 'text/html') pages.set(request.label.actor, (pages.get(request.label.actor) ?? 0) + 1);
  // One HTML document per session (a reload after a 5xx aside).
  t.true([...pages.values()].every((count) => count <= 2), 'an SPA session loaded several pages');
  t.true(spa.some((request) => request.record.ClientRequestPath.startsWith('/static/')), 'no shell assets');
  t.true(api.every((request) => request.record.ClientRequestReferer === 'https://shop.example/'));
});

test('the release rush: buyers crowd the released product, cart at the release, 409 once sold out', (t) => {
  const { scenario } = smallWorldRun();
  const product = scenario.catalogue.products;
  const rush = byClass('human_release_rush');
  const carts = rush.filter((request) => request.record.ClientRequestMethod === 'POST' && /^\/(api\/cart\/items|cart\/add)$/.test(request.record.ClientRequestPath));
  t.true(carts.length > 50);
  t.true(carts.every((request) => elapsed(scenario, request) >= RELEASE_S), 'a cart add before the release');
  t.true(carts.some((request) => request.record.EdgeResponseStatus === 409), 'never sold out');
  const views = rush.filter((request) => /^\/(api\/)?products?\/\d+$/.test(request.record.ClientRequestPath));
  t.true(views.every((request) => request.record.ClientRequestPath.endsWith(`/${product}`)), 'a buyer viewed another product');
  t.true(views.some((request) => elapsed(scenario, request) < RELEASE_S), 'nobody waited for the release');
});

test('hoarding polls the product, then bursts cart and checkout on it at the release, from customer networks, as the app', (t) => {
  const { scenario } = smallWorldRun();
  const product = scenario.catalogue.products;
  const hoarding = byClass('inventory_hoarding');
  const before = hoarding.filter((request) => elapsed(scenario, request) < RELEASE_S);
  t.true(before.length > 0 && before.every((request) => request.record.ClientRequestMethod === 'GET' && request.record.ClientRequestPath === `/api/products/${product}`));
  const posts = hoarding.filter((request) => request.record.ClientRequestMethod === 'POST');
  t.true(posts.length > hoarding.length / 3, `${posts.length} of ${hoarding.length} are cart or checkout`);
  t.true(posts.every((request) => ['/api/cart/items', '/api/checkout'].includes(request.record.ClientRequestPath)));
  t.true(posts.every((request) => elapsed(scenario, request) >= RELEASE_S && elapsed(scenario, request) < RELEASE_S + 90));
  // A burst at the release: in its first 10 s a task POSTs several times (a real buyer once or twice).
  const burst = posts.filter((request) => elapsed(scenario, request) < RELEASE_S + 10).length;
  t.true(burst > scenario.inventory_hoarding.tasks * 5, `${burst} POSTs from ${scenario.inventory_hoarding.tasks} tasks in the first 10 s`);
  t.true(hoarding.every((request) => !CLOUD_ASNS.has(request.record.ClientASN)), 'a hoarding request from a cloud');
  // An identity shared with real app users: never, on its own, grounds for acting.
  const appIdentities = new Set(byClass('human_app').map(identity));
  t.true(hoarding.every((request) => appIdentities.has(identity(request))));
});

test('the API flood: thousands of addresses, 1–3 requests each, only /api/', (t) => {
  const flood = byClass('api_flood');
  const perAddress = new Map<string, number>();
  for (const request of flood) perAddress.set(request.record.ClientIP, (perAddress.get(request.record.ClientIP) ?? 0) + 1);
  t.true(perAddress.size >= 1_000, `${perAddress.size} addresses`);
  t.true([...perAddress.values()].every((count) => count >= 1 && count <= 3));
  t.true(flood.every((request) => request.record.ClientRequestPath.startsWith('/api/') && request.record.ClientRequestProtocol === 'HTTP/1.1'));
});

test('the headless fleet: pages with assets at a steady cadence, many products, one User-Agent, rotating cloud addresses', (t) => {
  const { scenario } = smallWorldRun();
  const headless = byClass('scraper_headless');
  t.is(new Set(headless.map((request) => request.record.ClientRequestUserAgent)).size, 1);
  t.true(headless.every((request) => !/^\/(search|cart|checkout|login)/.test(request.record.ClientRequestPath)));
  const pages = headless.filter((request) => request.record.EdgeResponseContentType === 'text/html');
  const images = headless.filter((request) => request.record.ClientRequestPath.startsWith('/img/'));
  t.true(images.length > pages.length, `${images.length} images for ${pages.length} pages`);
  t.true(new Set(pages.map((request) => request.record.ClientRequestPath)).size > pages.length * 0.8, 'products repeat');
  t.true(new Set(headless.map((request) => request.record.ClientIP)).size >= pages.length / scenario.scraper_headless.pages_per_address);
  t.true(headless.every((request) => CLOUD_ASNS.has(request.record.ClientASN)));
  const times = new Map<string, number[]>();
  for (const request of pages) times.set(request.label.actor, [...(times.get(request.label.actor) ?? []), request.record.EdgeStartTimestamp / 1e6]);
  const interval = scenario.scraper_headless.page_interval_s * 1_000;
  for (const list of times.values()) {
    list.sort((a, b) => a - b);
    for (let i = 1; i < list.length; i++) {
      const gap = (list[i] as number) - (list[i - 1] as number);
      t.true(gap >= interval * 0.9 - 1 && gap <= interval * 1.1 + 1, `page gap ${gap} ms`);
    }
  }
});

test("the app-API scraper wears the app's exact User-Agent and TLS fingerprint", (t) => {
  const scraper = byClass('scraper_api');
  t.true(scraper.length > 20);
  t.true(scraper.every((request) => /^\/api\/(products\/\d+|search)$/.test(request.record.ClientRequestPath)));
  const appIdentities = new Set(byClass('human_app').map(identity));
  t.true(scraper.every((request) => appIdentities.has(identity(request))));
});

test('every record carries the protocol: browsers HTTP/2 or 3 (QUIC JA4), libraries HTTP/1.1', (t) => {
  const { requests } = smallWorldRun();
  t.true(requests.every((request) => request.record.ClientRequestProtocol !== undefined));
  const browsers = requests.filter((request) => ['human', 'human_shared_ip', 'human_spa'].includes(request.label.class));
  const h3 = browsers.filter((request) => request.record.ClientRequestProtocol === 'HTTP/3');
  t.true(h3.length > 0 && h3.length < browsers.length);
  t.true(browsers.every((request) => (request.record.ClientRequestProtocol === 'HTTP/3') === (request.record.JA4 ?? '').startsWith('q13d03')));
  t.true(browsers.every((request) => ['HTTP/2', 'HTTP/3'].includes(request.record.ClientRequestProtocol ?? '')));
  t.true(byClass('l7_flood').every((request) => request.record.ClientRequestProtocol === 'HTTP/1.1'));
});

test("monitors and link previews live on the scrapers' clouds, in their /24s (Facebook's on its own network)", (t) => {
  const { world } = smallWorldRun();
  const clouds = new Set(world.derived.clouds);
  const all = byClass('good_bot_harmless');
  const facebook = all.filter((request) => request.record.ClientRequestUserAgent.startsWith('facebookexternalhit'));
  t.true(facebook.length > 0 && facebook.every((request) => request.record.ClientASN === 32934));
  const good = all.filter((request) => !facebook.includes(request));
  t.true(good.length > 0 && good.every((request) => clouds.has(request.record.ClientASN)), 'a good bot off the shared clouds');
  const slash24 = (ip: string): string => ip.split('.').slice(0, 3).join('.');
  const scraperPrefixes = new Set([...byClass('scraper_rotating'), ...byClass('scraper_headless')].map((request) => slash24(request.record.ClientIP)));
  t.true(good.some((request) => scraperPrefixes.has(slash24(request.record.ClientIP))), 'no monitor shares a /24 with a scraper');
});
