/** The summary's wire form (the `rollups` topic), and the `ua:` population of requests without a user agent. */
import test from 'ava';
import { CrawlerDirectory } from '@botsieve/runtime';
import { classifyConfigSchema, trafficContextConfigSchema } from '../features/config.js';
import { FeatureExtractor } from '../features/feature-extractor.js';
import { Safelist } from '../safelist/index.js';
import { makeEvent } from '../test-support/events.js';
import { makeSummary, T0 } from '../test-support/summary-fixtures.js';
import { decodeSummary, encodeSummary } from './summary.js';
import { SummaryBuilder } from './summary-builder.js';

test('a summary round-trips through its wire form, rendered assets apart from assets', (t) => {
  const summary = makeSummary('asn:64510', T0, { requests: 20, pages: 4, assets: 16, rendered_assets: 3, automation_ua: 13, ips: ['198.51.100.1', '198.51.100.2'] });
  const back = decodeSummary(JSON.parse(encodeSummary(summary)));
  t.truthy(back);
  t.is(back!.assets, 16);
  t.is(back!.rendered_assets, 3);
  t.is(back!.automation_ua, 13);
  t.is(Math.round(back!.ips!.estimate()), 2);
});

test('a producer from before `rendered_assets` sent assets only: every one counts as rendered (people stay protected during an upgrade)', (t) => {
  const wire = JSON.parse(encodeSummary(makeSummary('prefix:198.51.100.0/24', T0, { requests: 12, pages: 1, assets: 11, browser_ua: 12 })));
  delete wire.rendered_assets;
  t.is(decodeSummary(wire)!.rendered_assets, 11);
  t.is(decodeSummary({ ...wire, rendered_assets: 0 })!.rendered_assets, 0, 'a producer that sends it is read as it says');
});

test('requests without a user agent are one population, `ua:`; a good crawler\'s claimed user agent is none', (t) => {
  const features = new FeatureExtractor(classifyConfigSchema.parse({}), trafficContextConfigSchema.parse({}), { safelist: new Safelist(), crawlers: CrawlerDirectory.load() });
  const builder = new SummaryBuilder(1_000, 100_000);
  const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
  const agents = ['', '', '', googlebot];
  agents.forEach((user_agent, i) => {
    const event = makeEvent({ ip: `198.51.100.${i + 1}`, user_agent, path: `/p/${i}`, timestamp_ms: T0 + i });
    const f = features.extract(event);
    builder.add(event, f, features.uaSlot, features.ja4Slot);
  });
  const ua = builder.drain(true).filter((s) => s.kind === 'ua');
  t.deepEqual(ua.map((s) => [s.subject, s.requests]), [['ua:', 3]]);
  t.is(Math.round(ua[0]!.ips!.estimate()), 3);
});

test('a producer from before `session_calls` is read as before: a returning address counts as a session (the app stays protected during an upgrade)', (t) => {
  const wire = JSON.parse(encodeSummary(makeSummary('asn:64511', T0, { requests: 10, api: 10, app_ua: 10, new_clients: 3, session_calls: 2 })));
  t.is(decodeSummary(wire)!.session_calls, 2);
  delete wire.session_calls;
  t.is(decodeSummary(wire)!.session_calls, 7);
});
