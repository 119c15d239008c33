import test from 'ava';
import { AddressProbe, CidrSet } from './cidr-set.js';

test('IPv4: boundaries of a prefix are inside, their neighbours outside', (t) => {
  const set = new CidrSet(['66.249.64.0/27', '10.0.0.0/8']);
  t.true(set.has('66.249.64.0'));
  t.true(set.has('66.249.64.31'));
  t.false(set.has('66.249.64.32'));
  t.false(set.has('66.249.63.255'));
  t.true(set.has('10.255.255.255'));
  t.false(set.has('11.0.0.0'));
  t.false(set.has('9.255.255.255'));
});

test('IPv4: /0, /32, bare addresses and host bits', (t) => {
  t.true(new CidrSet(['0.0.0.0/0']).has('255.255.255.255'));
  t.true(new CidrSet(['0.0.0.0/0']).has('0.0.0.0'));
  const single = new CidrSet(['192.0.2.7']);
  t.true(single.has('192.0.2.7'));
  t.false(single.has('192.0.2.8'));
  // Host bits are cleared: 66.249.64.5/27 is 66.249.64.0/27.
  t.true(new CidrSet(['66.249.64.5/27']).has('66.249.64.0'));
});

test('ranges merge: overlapping and adjacent CIDRs become one range', (t) => {
  t.is(new CidrSet(['10.0.0.0/25', '10.0.0.128/25', '10.0.0.0/24', '10.0.1.0/24']).size, 1);
  t.is(new CidrSet(['10.0.0.0/24', '10.0.2.0/24']).size, 2);
  t.is(new CidrSet(['2001:db8::/33', '2001:db8:8000::/33']).size, 1);
  t.is(new CidrSet(['2001:db8::/64', '2001:db8:0:2::/64']).size, 2);
  t.is(new CidrSet(['::/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128']).size, 1);
});

test('IPv6: compression, case, boundaries', (t) => {
  const set = new CidrSet(['2001:4860:4801:10::/64', 'fe80::/10', '::1']);
  t.true(set.has('2001:4860:4801:10::1'));
  t.true(set.has('2001:4860:4801:10:ffff:ffff:ffff:ffff'));
  t.true(set.has('2001:4860:4801:0010:0000:0000:0000:0000'));
  t.true(set.has('2001:4860:4801:10:0:0:0:0'));
  t.true(set.has('2001:4860:4801:10::'));
  t.false(set.has('2001:4860:4801:11::'));
  t.false(set.has('2001:4860:4801:f:ffff:ffff:ffff:ffff'));
  t.true(set.has('FE80::ABCD'));
  t.true(set.has('febf:ffff::1'));
  t.false(set.has('fec0::1'));
  t.true(set.has('::1'));
  t.false(set.has('::2'));
  t.false(set.has('::'));
});

test('IPv4-mapped IPv6 addresses and prefixes match IPv4 ranges', (t) => {
  const set = new CidrSet(['192.0.2.0/24', '::ffff:198.51.100.0/120']);
  t.true(set.has('::ffff:192.0.2.55'));
  t.true(set.has('::FFFF:c000:0201'));
  t.true(set.has('198.51.100.7'));
  t.false(set.has('::ffff:203.0.113.1'));
});

test('garbage is never a member', (t) => {
  const set = new CidrSet(['0.0.0.0/0', '::/0']);
  for (const bad of ['', 'x', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '1..2.3', '1.2.3.4/24', ':', ':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::1', 'fe80::1%eth0', '::ffff:1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '1:']) {
    t.false(set.has(bad), JSON.stringify(bad));
  }
  t.false(set.has(undefined as unknown as string));
});

test('an invalid CIDR in the constructor is ERR_INVALID_CIDR naming it', (t) => {
  for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0/8', 'example.com', '10.0.0.0/', '10.0.0.0/8/8', '']) {
    const error = t.throws(() => new CidrSet(['192.0.2.0/24', bad]), { code: 'ERR_INVALID_CIDR' });
    t.true(error?.message.includes(JSON.stringify(bad)) && error.message.includes('entry 1'), error?.message);
  }
});

test('overlaps: any member range intersecting the prefix, both ways round', (t) => {
  const set = new CidrSet(['192.0.2.128/25', '10.1.2.3', '2001:db8:1::/48']);
  t.true(set.overlaps('192.0.2.0/24')); // prefix contains a range
  t.true(set.overlaps('prefix:192.0.2.0/24'));
  t.true(set.overlaps('192.0.2.200/30')); // range contains the prefix
  t.false(set.overlaps('192.0.2.0/25')); // the adjacent half
  t.true(set.overlaps('10.1.2.0/24'));
  t.true(set.overlaps('0.0.0.0/0'));
  t.false(set.overlaps('10.1.3.0/24'));
  t.true(set.overlaps('2001:db8:1:5::/64'));
  t.true(set.overlaps('2001:db8::/32'));
  t.false(set.overlaps('2001:db8:2::/64'));
  t.false(set.overlaps('not a prefix'));
});

test('AddressProbe: parsed once, mapped addresses are IPv4, garbage is version 0', (t) => {
  const probe = new AddressProbe();
  t.is(probe.set('192.0.2.1').version, 4);
  t.is(probe.set('::ffff:192.0.2.1').version, 4);
  t.is(probe.v4, 0xc0000201);
  t.is(probe.set('2001:db8::1').version, 6);
  t.is(probe.set('nope').version, 0);
  t.true(new CidrSet(['192.0.2.0/24']).hasAddress(probe.set('::ffff:192.0.2.9')));
});
