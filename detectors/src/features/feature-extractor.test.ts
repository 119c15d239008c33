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
