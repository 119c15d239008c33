import test from 'ava';
import { defaultHostingNetworksPath, loadHostingNetworks } from '@botsieve/detectors';
import { BUSINESS, MOBILE, PROXY_RESIDENTIAL, RESIDENTIAL } from './networks.js';

test('no consumer line, mobile carrier, office or residential proxy network the simulator draws people from is on the shipped hosting list', (t) => {
  const { asns } = loadHostingNetworks(defaultHostingNetworksPath());
  const people = [...RESIDENTIAL, ...MOBILE, ...BUSINESS, ...PROXY_RESIDENTIAL];
  t.true(people.length > 10);
  t.deepEqual(people.filter((n) => asns.includes(n.asn)).map((n) => n.name), []);
});
