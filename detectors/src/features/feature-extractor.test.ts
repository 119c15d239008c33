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
