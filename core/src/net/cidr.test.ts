import test from 'ava';
import { cidrsOverlap, formatCidr, parseCidr, truncateCidr, type CidrRange } from './cidr.js';

function cidr(text: string): CidrRange {
  const range = parseCidr(text);
  if (range === null) throw new Error(`not a CIDR: ${text}`);
  return range;
}

test('CIDRs: host bits cleared, canonical text with its length, bad suffixes refused', (t) => {
  t.is(formatCidr(cidr('192.0.2.77/24')), '192.0.2.0/24');
  t.is(formatCidr(cidr('192.0.2.77')), '192.0.2.77/32');
  t.is(formatCidr(cidr('2001:0DB8::1')), '2001:db8::1/128');
  t.is(formatCidr(cidr('2001:0db8:0000::/64')), '2001:db8::/64');
  t.is(formatCidr(cidr('1:0:0:2:0:0:0:3/128')), '1:0:0:2::3/128', 'the longest zero run is compressed');
  t.is(formatCidr(truncateCidr(cidr('2001:db8:0:1:2:3:4:5'), 64)), '2001:db8:0:1::/64');
  t.is(formatCidr(truncateCidr(cidr('10.1.2.3'), 8)), '10.0.0.0/8');
  t.is(truncateCidr(cidr('10.0.0.0/8'), 24).bits, 8, 'never widened');
  for (const text of ['192.0.2.1/33', '2001:db8::/129', '192.0.2.1/', '192.0.2.1/x', '192.0.2.1/8/8', '01.2.3.4', 'example.com', 'fe80::1%eth0/64', '']) {
    t.is(parseCidr(text), null, text);
  }
});

test('IPv4-mapped IPv6 prefixes of /96 and longer are the IPv4 prefix they map', (t) => {
  t.deepEqual(parseCidr('::ffff:10.0.0.0/104'), { version: 4, start: 0x0a000000, end: 0x0affffff, bits: 8 });
  t.is(formatCidr(cidr('::ffff:1.2.3.4')), '1.2.3.4/32');
  t.is(cidr('::ffff:0:0/95').version, 6, 'shorter prefixes stay IPv6');
  const kept = parseCidr('::ffff:1.2.3.4', 'as-ipv6');
  t.is(kept === null ? null : formatCidr(kept), '::ffff:102:304/128', 'as-ipv6: a mapped address stays IPv6');
  t.false(cidrsOverlap(kept!, cidr('1.2.3.4')));
  t.true(cidrsOverlap(kept!, parseCidr('::ffff:0:0/96', 'as-ipv6')!));
});

test('overlap: containment either way, never across families', (t) => {
  t.true(cidrsOverlap(cidr('10.0.0.0/8'), cidr('10.1.2.3')));
  t.true(cidrsOverlap(cidr('10.1.2.3'), cidr('10.0.0.0/8')));
  t.false(cidrsOverlap(cidr('10.0.0.0/8'), cidr('11.0.0.0/8')));
  t.true(cidrsOverlap(cidr('2001:db8::/32'), cidr('2001:db8:1::/48')));
  t.false(cidrsOverlap(cidr('2001:db8::/32'), cidr('2001:db9::/48')));
  t.false(cidrsOverlap(cidr('0.0.0.0/0'), cidr('::/0')), 'families never overlap');
});
