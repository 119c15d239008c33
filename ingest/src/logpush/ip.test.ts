import test from 'ava';
import { newIpParts, parseIp } from './ip.js';

function canonical(text: string): { ip: string; prefix: string } | null {
  const out = newIpParts();
  return parseIp(text, out) ? { ip: out.ip, prefix: out.prefix } : null;
}

test('IPv4 keeps its dotted quad, prefix /24', (t) => {
  t.deepEqual(canonical('203.0.113.77'), { ip: '203.0.113.77', prefix: '203.0.113.0/24' });
  t.deepEqual(canonical('0.0.0.0'), { ip: '0.0.0.0', prefix: '0.0.0.0/24' });
  t.deepEqual(canonical('255.255.255.255'), { ip: '255.255.255.255', prefix: '255.255.255.0/24' });
});

test('IPv6 in RFC 5952 form, prefix /64', (t) => {
  t.deepEqual(canonical('2001:0DB8:0000:0000:0000:0000:0000:0001'), { ip: '2001:db8::1', prefix: '2001:db8::/64' });
  t.deepEqual(canonical('2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'), { ip: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', prefix: '2001:db8:aaaa:bbbb::/64' });
  t.deepEqual(canonical('2001:db8:0:1:0:0:0:1'), { ip: '2001:db8:0:1::1', prefix: '2001:db8:0:1::/64' });
  t.deepEqual(canonical('::1'), { ip: '::1', prefix: '::/64' });
  t.deepEqual(canonical('::'), { ip: '::', prefix: '::/64' });
  t.deepEqual(canonical('fe80::'), { ip: 'fe80::', prefix: 'fe80::/64' });
});

test('RFC 5952: longest zero run shortened, first on a tie, single zero group kept', (t) => {
  t.is(canonical('2001:db8:0:0:1:0:0:1')?.ip, '2001:db8::1:0:0:1');
  t.is(canonical('2001:0:0:1:0:0:0:1')?.ip, '2001:0:0:1::1');
  t.is(canonical('2001:db8:0:1:1:1:1:1')?.ip, '2001:db8:0:1:1:1:1:1');
  t.is(canonical('1:2:3:4:5:6:7::')?.ip, '1:2:3:4:5:6:7:0');
  t.is(canonical('2001:DB8::A:b:C')?.ip, '2001:db8::a:b:c');
});

test('IPv4-mapped IPv6 becomes IPv4', (t) => {
  t.deepEqual(canonical('::ffff:198.51.100.7'), { ip: '198.51.100.7', prefix: '198.51.100.0/24' });
  t.deepEqual(canonical('::FFFF:c633:6407'), { ip: '198.51.100.7', prefix: '198.51.100.0/24' });
  t.deepEqual(canonical('0:0:0:0:0:ffff:198.51.100.7'), { ip: '198.51.100.7', prefix: '198.51.100.0/24' });
});

test('other embedded IPv4 forms are written in hex', (t) => {
  t.deepEqual(canonical('64:ff9b::192.0.2.33'), { ip: '64:ff9b::c000:221', prefix: '64:ff9b::/64' });
});

test('invalid addresses', (t) => {
  for (const text of [
    '', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', '1..3.4', 'a.b.c.d', ' 1.2.3.4', '1.2.3.4 ',
    ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'fe80::1%eth0', '[::1]', '1:2:3:4:5:6:7:8::', ':1::', '1:', '::ffff:1.2.3',
    '1:2:3:4:5:6:7:1.2.3.4', 'g::1', 'localhost',
  ]) {
    t.is(canonical(text), null, `expected ${JSON.stringify(text)} to be rejected`);
  }
});
