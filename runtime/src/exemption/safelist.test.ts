import test from 'ava';
import { DEFAULT_SAFELIST, Safelist, safelistConfigObject, safelistConfigSchema } from './safelist.js';

const parse = (raw: unknown) => safelistConfigSchema.parse(raw);

test('defaults: nothing listed, private ranges on, shipped crawler data', (t) => {
  t.deepEqual({ ...DEFAULT_SAFELIST }, { cidrs: [], asns: [], ja4: [], private_ranges: true, crawlers_file: null });
  const safelist = new Safelist();
  t.true(safelist.ip('10.0.0.1'));
  t.true(safelist.ip('::1'));
  t.true(safelist.privateIp('10.0.0.1'));
  t.false(safelist.configuredIp('10.0.0.1'));
  t.false(safelist.ip('192.0.2.1'));
  t.false(safelist.asn(0));
});

test('ip, asn and ja4 lookups', (t) => {
  const safelist = new Safelist(parse({ cidrs: ['198.51.100.0/24', '2001:db8:aa::/48', '203.0.113.9'], asns: [64_501], ja4: ['t13d1516h2_8daaf6152771_02713d6af862'] }));
  t.true(safelist.ip('198.51.100.77'));
  t.true(safelist.configuredIp('198.51.100.77'));
  t.true(safelist.ip('2001:db8:aa:1::5'));
  t.true(safelist.ip('203.0.113.9'));
  t.false(safelist.ip('203.0.113.10'));
  t.false(safelist.ip('garbage'));
  t.true(safelist.asn(64_501));
  t.false(safelist.asn(64_502));
  t.true(safelist.ja4('t13d1516h2_8daaf6152771_02713d6af862'));
  t.false(safelist.ja4(null));
});

test('subject: every kind of subject a verdict can be about', (t) => {
  const safelist = new Safelist(parse({ cidrs: ['198.51.100.64/26', '2001:db8:aa::/48'], asns: [64_501], ja4: ['t13d1516h2_x_y'] }));
  t.true(safelist.subject('ip:198.51.100.65'));
  t.true(safelist.subject('ip:2001:db8:aa::1'));
  t.false(safelist.subject('ip:198.51.100.1'));
  t.true(safelist.subject('ip:192.168.0.4')); // private
  // One user agent on an address is a client like `ip:`: its address decides.
  t.true(safelist.subject('ipua:198.51.100.65 curl/8.5.0 (x y)'));
  t.true(safelist.subject('ipua:2001:db8:aa::1 '));
  t.true(safelist.subject('ipua:100.64.0.9 Mozilla/5.0')); // private (CGNAT)
  t.false(safelist.subject('ipua:198.51.100.1 curl/8.5.0'));
  // A prefix that overlaps a safelisted range is never acted on: it would hit the safelisted part too.
  t.true(safelist.subject('prefix:198.51.100.0/24'));
  t.false(safelist.subject('prefix:198.51.101.0/24'));
  t.true(safelist.subject('prefix:2001:db8:aa:5::/64'));
  t.true(safelist.subject('prefix:10.20.30.0/24')); // private
  t.true(safelist.subject('asn:64501'));
  t.false(safelist.subject('asn:64502'));
  t.true(safelist.subject('ja4:t13d1516h2_x_y'));
  t.false(safelist.subject('ja4:t13d1516h2_x_z'));
});

test('private_ranges: false acts on private addresses like any other', (t) => {
  const safelist = new Safelist(parse({ private_ranges: false }));
  t.false(safelist.ip('10.0.0.1'));
  t.false(safelist.privateIp('10.0.0.1'));
  t.false(safelist.subject('prefix:10.0.0.0/24'));
});

test('every config field is described', (t) => {
  for (const [key, field] of Object.entries(safelistConfigObject.shape)) t.truthy(field.description, key);
});
