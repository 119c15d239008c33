/** The summary's wire form (the `rollups` topic): round trip, and summaries from older producers. */
import test from 'ava';
import { makeSummary, T0 } from '../test-support/summary-fixtures.js';
import { decodeSummary, encodeSummary } from './summary.js';

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
