import test from 'ava';
import { CrawlerDirectory } from '@botsieve/runtime';
import { makeEvent } from '../test-support/events.js';
import { Safelist } from '../safelist/index.js';
import { classifyConfigSchema, trafficContextConfigSchema } from './config.js';
import { FeatureExtractor } from './feature-extractor.js';

function extractor(): FeatureExtractor {
  return new FeatureExtractor(classifyConfigSchema.parse({}), trafficContextConfigSchema.parse({}), { safelist: new Safelist(), crawlers: CrawlerDirectory.load() });
}

test("requests made by Cloudflare's own systems (ClientRequestSource) are never acted on; visitors' are judged as before", (t) => {
  const features = extractor();
  const base = makeEvent({ ip: '198.51.100.7', path: '/p' });
  for (const source of ['edgeWorkerFetch', 'edgeWorkerCacheAPI', 'edgeWorkerKV', 'purge', 'alwaysOnline', 'healthcheck', 'imageResizing', 'sslDetector', 'earlyHintsCache']) {
    t.true(features.extract({ ...base, client_request_source: source }).safelisted, source);
  }
  for (const source of ['eyeball', 'inBrowserChallenge', 'orangeToOrange', 'unknown', null, undefined]) {
    t.false(features.extract({ ...base, client_request_source: source }).safelisted, String(source));
  }
  t.false(features.extract(base).safelisted, 'events without the field (simulator, older records) are unaffected');
});

test('a client that names automation renders as software: its assets never make its address a known browser, and its own requests are never one', (t) => {
  const features = extractor();
  const headless = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/153.0.0.0 Safari/537.36';
  const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/151.0.0.0 Safari/537.36';
  const at = (ms: number, ip: string, user_agent: string, path: string, content_type: string) =>
    features.extract(makeEvent({ ip, user_agent, path, content_type, timestamp_ms: 1_700_000_000_000 + ms }));
  t.true(at(0, '198.51.100.7', headless, '/app.css', 'text/css').automation_ua);
  t.false(at(1, '198.51.100.7', chrome, '/p/1', 'text/html').known_browser, 'the headless assets did not make the address a browser\'s');
  at(2, '198.51.100.8', chrome, '/app.css', 'text/css');
  t.true(at(3, '198.51.100.8', chrome, '/p/2', 'text/html').known_browser, 'a browser\'s assets do');
  t.false(at(4, '198.51.100.8', headless, '/p/3', 'text/html').known_browser, 'a client naming automation on that address is not the browser');
});

test('in_session: an address that called three distinct routes within the horizon is in a session; a scraper returning to one endpoint and its search never is', (t) => {
  const features = extractor();
  const okhttp = 'okhttp/4.12.0';
  const T = 1_700_000_000_000;
  const call = (ms: number, ip: string, uri: string) =>
    features.extract(makeEvent({ ip, user_agent: okhttp, path: uri.split('?')[0], uri, content_type: 'application/json', timestamp_ms: T + ms })).in_session;
  // The app: launch, a product view with its recommendations, its events.
  t.deepEqual([call(0, '198.51.100.20', '/api/config'), call(300, '198.51.100.20', '/api/products/12'), call(600, '198.51.100.20', '/api/recommendations/12'), call(900, '198.51.100.20', '/api/events')], [false, false, true, true]);
  t.true(call(60_000, '198.51.100.20', '/api/products/13'), 'a known route of a session is still the session');
  // A price scraper down a watch list, a search now and then: 40 calls, two routes.
  const scraper: boolean[] = [];
  for (let i = 0; i < 40; i++) scraper.push(call(1_000 + i * 2_000, '203.0.113.40', i % 10 === 9 ? `/api/search?q=item${i}` : `/api/products/${1_000 + i}`));
  t.true(scraper.every((inSession) => !inSession));
  // Another address is not the app user's session.
  t.false(call(2_000, '198.51.100.21', '/api/events'));
  // After a pause longer than the horizon (10 minutes) the address starts over.
  t.false(call(60_000 + 700_000, '198.51.100.20', '/api/events'));
  t.false(call(60_000 + 700_100, '198.51.100.20', '/api/config'));
  t.true(call(60_000 + 700_200, '198.51.100.20', '/api/products/14'));
});
