/** The detectors' safelist section: validated with this package's errors (the matching is tested in @botsieve/runtime). */
import test from 'ava';
import { parseSafelistConfig, Safelist } from './safelist.js';

test('defaults: nothing listed, private ranges on, shipped crawler data', (t) => {
  t.deepEqual(parseSafelistConfig(undefined), { cidrs: [], asns: [], ja4: [], private_ranges: true, crawlers_file: null });
  const safelist = new Safelist(parseSafelistConfig({}));
  t.true(safelist.ip('10.0.0.1'));
  t.false(safelist.ip('192.0.2.1'));
});

test('invalid config is ERR_DETECTOR_CONFIG listing every problem with its path', (t) => {
  const error = t.throws(() => parseSafelistConfig({ cidrs: ['10.0.0.0/8', 'nope'], asns: [-1], surprise: true }), { code: 'ERR_DETECTOR_CONFIG' });
  for (const path of ['cidrs.1', 'asns.0', 'surprise']) t.true(error?.message.includes(path), `${path} in ${error?.message}`);
});
