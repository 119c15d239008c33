import test from 'ava';
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { canonicalIp, canonicalIpInto, newCanonicalIp, parseIPv4, parseIPv6, type CanonicalIp } from './ip.js';

function words(ip: string): number[] {
  const out = new Uint32Array(4);
  if (!parseIPv6(ip, out)) throw new Error(`not IPv6: ${ip}`);
  return [...out];
}

test('IPv4 keeps its dotted quad, prefix /24', (t) => {
  t.deepEqual(canonicalIp('203.0.113.77'), { ip: '203.0.113.77', prefix: '203.0.113.0/24' });
  t.deepEqual(canonicalIp('0.0.0.0'), { ip: '0.0.0.0', prefix: '0.0.0.0/24' });
  t.deepEqual(canonicalIp('255.255.255.255'), { ip: '255.255.255.255', prefix: '255.255.255.0/24' });
});

test('IPv6 in RFC 5952 form, prefix /64', (t) => {
  t.deepEqual(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001'), { ip: '2001:db8::1', prefix: '2001:db8::/64' });
  t.deepEqual(canonicalIp('2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'), { ip: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', prefix: '2001:db8:aaaa:bbbb::/64' });
  t.deepEqual(canonicalIp('2001:db8:0:1:0:0:0:1'), { ip: '2001:db8:0:1::1', prefix: '2001:db8:0:1::/64' });
  t.deepEqual(canonicalIp('::1'), { ip: '::1', prefix: '::/64' });
  t.deepEqual(canonicalIp('::'), { ip: '::', prefix: '::/64' });
  t.deepEqual(canonicalIp('fe80::'), { ip: 'fe80::', prefix: 'fe80::/64' });
});

test('RFC 5952: longest zero run shortened, first on a tie, single zero group kept', (t) => {
  t.is(canonicalIp('2001:db8:0:0:1:0:0:1')?.ip, '2001:db8::1:0:0:1');
  t.is(canonicalIp('2001:0:0:1:0:0:0:1')?.ip, '2001:0:0:1::1');
  t.is(canonicalIp('2001:db8:0:1:1:1:1:1')?.ip, '2001:db8:0:1:1:1:1:1');
  t.is(canonicalIp('1:2:3:4:5:6:7::')?.ip, '1:2:3:4:5:6:7:0');
  t.is(canonicalIp('2001:DB8::A:b:C')?.ip, '2001:db8::a:b:c');
});

test('IPv4-mapped IPv6 becomes IPv4', (t) => {
  t.deepEqual(canonicalIp('::ffff:198.51.100.7'), { ip: '198.51.100.7', prefix: '198.51.100.0/24' });
  t.deepEqual(canonicalIp('::FFFF:c633:6407'), { ip: '198.51.100.7', prefix: '198.51.100.0/24' });
  t.deepEqual(canonicalIp('0:0:0:0:0:ffff:198.51.100.7'), { ip: '198.51.100.7', prefix: '198.51.100.0/24' });
});

test('other embedded IPv4 forms are written in hex', (t) => {
  t.deepEqual(canonicalIp('64:ff9b::192.0.2.33'), { ip: '64:ff9b::c000:221', prefix: '64:ff9b::/64' });
});

test('invalid addresses', (t) => {
  for (const text of [
    '', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', '1..3.4', 'a.b.c.d', ' 1.2.3.4', '1.2.3.4 ',
    ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'fe80::1%eth0', '[::1]', '1:2:3:4:5:6:7:8::', ':1::', '1:', '::ffff:1.2.3',
    '1:2:3:4:5:6:7:1.2.3.4', 'g::1', 'localhost',
  ]) {
    t.is(canonicalIp(text), null, `expected ${JSON.stringify(text)} to be rejected`);
  }
  t.is(canonicalIp(undefined as unknown as string), null);
});

test('canonicalIpInto writes into the caller’s object and leaves it alone on failure', (t) => {
  const out = newCanonicalIp();
  t.true(canonicalIpInto('2001:db8::1', out));
  t.false(canonicalIpInto('nope', out));
  t.deepEqual(out, { ip: '2001:db8::1', prefix: '2001:db8::/64' });
});

test('IPv6 parser: every compression position', (t) => {
  t.deepEqual(words('::'), [0, 0, 0, 0]);
  t.deepEqual(words('1::'), [0x00010000, 0, 0, 0]);
  t.deepEqual(words('::1'), [0, 0, 0, 1]);
  t.deepEqual(words('1:2:3:4:5:6:7::'), [0x00010002, 0x00030004, 0x00050006, 0x00070000]);
  t.deepEqual(words('::2:3:4:5:6:7:8'), [0x00000002, 0x00030004, 0x00050006, 0x00070008]);
  t.deepEqual(words('1:2::7:8'), [0x00010002, 0, 0, 0x00070008]);
  t.deepEqual(words('::ffff:192.0.2.1'), [0, 0, 0xffff, 0xc0000201]);
  t.deepEqual(words('64:ff9b::192.0.2.1'), [0x0064ff9b, 0, 0, 0xc0000201]);
});

/** Random addresses in many spellings: compressed or not, upper case, leading zeros, mapped, embedded IPv4, broken. */
function randomSpelling(random: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  const octet = () => String(pick([0, 1, 9, 10, 99, 100, 255, 256, Math.floor(random() * 256)]));
  const ipv4 = () => [octet(), octet(), octet(), octet()].join('.');
  const group = () => {
    const value = pick([0, 0, 0, 1, 0xffff, Math.floor(random() * 0x10000)]).toString(16);
    return pick([value, value.toUpperCase(), value.padStart(4, '0'), `0${value}`]);
  };
  const groups = Array.from({ length: 8 }, group);
  switch (Math.floor(random() * 7)) {
    case 0:
      return pick([ipv4(), `0${ipv4()}`, `${ipv4()}.1`]);
    case 1:
      return groups.join(':');
    case 2: {
      const start = Math.floor(random() * 8);
      const end = start + Math.floor(random() * (9 - start));
      return `${groups.slice(0, start).join(':')}::${groups.slice(end).join(':')}`;
    }
    case 3:
      return `::ffff:${ipv4()}`;
    case 4:
      return `${groups.slice(0, 6).join(':')}:${ipv4()}`;
    case 5:
      return `${groups.slice(0, Math.floor(random() * 5)).join(':')}::${ipv4()}`;
    default:
      return pick([`${groups.join(':')}:`, `:${groups.join(':')}`, `${groups.slice(0, 3).join(':')}::${groups[4]}::1`, groups.slice(0, 7).join(':')]);
  }
}

/** IPv6 text as the WHATWG URL parser writes a host: RFC 5952 (compressed, lower case). */
function whatwgIPv6(text: string): string {
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/**
 * The canonical form checked against two independent implementations: node:net decides what is an
 * address, the WHATWG URL parser (which writes IPv6 hosts in RFC 5952) how IPv6 is written. This
 * replaces the sinks' old differential test against ingest's copy of the parser.
 */
test('differential: 20,000 random spellings accepted as node:net accepts them, canonical as the URL parser writes them', (t) => {
  let seed = 11;
  const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
  let v4 = 0;
  let v6 = 0;
  for (let i = 0; i < 20_000; i += 1) {
    const text = randomSpelling(random);
    const actual = canonicalIp(text);
    if ((actual !== null) !== (isIPv4(text) || isIPv6(text))) {
      t.fail(`${JSON.stringify(text)}: canonical ${JSON.stringify(actual)}, node:net says ${isIPv4(text) || isIPv6(text)}`);
      return;
    }
    if (actual === null) continue;
    const words = new Uint32Array(4);
    const mapped = isIPv6(text) && parseIPv6(text, words) && words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
    let expected: CanonicalIp;
    if (isIPv4(text)) {
      v4 += 1;
      expected = { ip: text, prefix: `${text.slice(0, text.lastIndexOf('.'))}.0/24` };
    } else if (mapped) {
      v4 += 1;
      const value = words[3] as number;
      const net = `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}`;
      expected = { ip: `${net}.${value & 255}`, prefix: `${net}.0/24` };
    } else {
      v6 += 1;
      const hex = (w: number) => `${(w >>> 16).toString(16)}:${(w & 0xffff).toString(16)}`;
      const network = `${hex(words[0] as number)}:${hex(words[1] as number)}:0:0:0:0`;
      expected = { ip: whatwgIPv6(text), prefix: `${whatwgIPv6(network)}/64` };
    }
    if (actual.ip !== expected.ip || actual.prefix !== expected.prefix) {
      t.deepEqual(actual, expected, text);
      return;
    }
  }
  t.true(v4 > 2_000 && v6 > 5_000, `control: many valid spellings of both families (${v4} IPv4, ${v6} IPv6)`);
});

test('parseIPv4: a range of the string, numbers unsigned', (t) => {
  t.is(parseIPv4('255.255.255.255'), 0xffffffff);
  t.is(parseIPv4('x1.2.3.4y', 1, 8), 0x01020304);
  t.is(parseIPv4('1.2.3.4', 0, 5), -1);
});

/**
 * One known difference: ipaddr.js reads an IPv4 tail straight after a leading `::` (`::1.2.3.4`,
 * the deprecated IPv4-compatible form) as IPv4-mapped (`::ffff:1.2.3.4`). RFC 4291, node:net and
 * the URL parser read it as `::102:304`, and so do we: ingest's canonical form has always done so.
 */
function ipaddrQuirk(text: string): boolean {
  return /^::[0-9]+\./.test(text);
}

test('the parsers agree with ipaddr.js on every address they accept (the library the benchmark measures against)', (t) => {
  let seed = 13;
  const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
  const words = new Uint32Array(4);
  let compared = 0;
  for (let i = 0; i < 5_000; i += 1) {
    const text = randomSpelling(random);
    if (ipaddrQuirk(text)) {
      t.false(parseIPv6(text, words) && words[2] === 0xffff, `${text} is not IPv4-mapped`);
      continue;
    }
    let bytes: number[];
    if (text.includes(':')) {
      if (!parseIPv6(text, words)) continue;
      bytes = [...words].flatMap((w) => [w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255]);
    } else {
      const v4 = parseIPv4(text);
      if (v4 < 0) continue;
      bytes = [v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255];
    }
    compared += 1;
    if (JSON.stringify(ipaddr.parse(text).toByteArray()) !== JSON.stringify(bytes)) {
      t.deepEqual(bytes, ipaddr.parse(text).toByteArray(), text);
      return;
    }
  }
  t.true(compared > 1_000, `control: ${compared} addresses compared`);
});
