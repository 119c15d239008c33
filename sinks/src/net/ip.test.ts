import test from 'ava';
import { existsSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { fileURLToPath } from 'node:url';
import { formatCidr, overlaps, parseAddress, parseCidr, truncate } from './cidr.js';
import { canonicalIp } from './ip.js';

// The same vectors as ingest/src/logpush/ip.test.ts.
test('canonical forms match ingest’s', (t) => {
  t.deepEqual(canonicalIp('203.0.113.77'), { ip: '203.0.113.77', prefix: '203.0.113.0/24' });
  t.deepEqual(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001'), { ip: '2001:db8::1', prefix: '2001:db8::/64' });
  t.deepEqual(canonicalIp('2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'), { ip: '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff', prefix: '2001:db8:aaaa:bbbb::/64' });
  t.deepEqual(canonicalIp('2001:db8:0:1:0:0:0:1'), { ip: '2001:db8:0:1::1', prefix: '2001:db8:0:1::/64' });
  t.deepEqual(canonicalIp('::'), { ip: '::', prefix: '::/64' });
  t.is(canonicalIp('2001:db8:0:0:1:0:0:1')?.ip, '2001:db8::1:0:0:1');
  t.is(canonicalIp('2001:0:0:1:0:0:0:1')?.ip, '2001:0:0:1::1');
  t.is(canonicalIp('1:2:3:4:5:6:7::')?.ip, '1:2:3:4:5:6:7:0');
  t.deepEqual(canonicalIp('::FFFF:c633:6407'), { ip: '198.51.100.7', prefix: '198.51.100.0/24' });
  t.deepEqual(canonicalIp('0:0:0:0:0:ffff:198.51.100.7'), { ip: '198.51.100.7', prefix: '198.51.100.0/24' });
  t.deepEqual(canonicalIp('64:ff9b::192.0.2.33'), { ip: '64:ff9b::c000:221', prefix: '64:ff9b::/64' });
  for (const text of ['', '1.2.3', '01.2.3.4', '256.1.1.1', ' 1.2.3.4', ':::', '1::2::3', '12345::', 'fe80::1%eth0', '[::1]', '1:2:3:4:5:6:7:8::', ':1::', '1:', '::ffff:1.2.3', '1:2:3:4:5:6:7:1.2.3.4', 'g::1']) {
    t.is(canonicalIp(text), null, JSON.stringify(text));
  }
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

const ingestIpUrl = new URL('../../../ingest/dist/logpush/ip.js', import.meta.url);
const ingestIp = fileURLToPath(ingestIpUrl);

test('differential: 20,000 random spellings canonicalise exactly as ingest does', async (t) => {
  if (!existsSync(ingestIp)) {
    t.fail(`build ingest first (${ingestIp} missing): this test compares against it`);
    return;
  }
  const ingest = (await import(ingestIpUrl.href)) as { parseIp(text: string, out: { ip: string; prefix: string }): boolean };
  let seed = 7;
  const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
  let valid = 0;
  for (let i = 0; i < 20_000; i += 1) {
    const text = randomSpelling(random);
    const out = { ip: '', prefix: '' };
    const expected = ingest.parseIp(text, out) ? out : null;
    if (expected !== null) valid += 1;
    const actual = canonicalIp(text);
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      t.deepEqual(actual, expected, text);
      return;
    }
  }
  t.true(valid > 5_000 && valid < 19_000, `control: a mix of valid (${valid}) and invalid spellings`);
});

test('CIDRs: host bits cleared, IPv4 single addresses without /32, zone ids ignored, bad suffixes refused', (t) => {
  t.is(formatCidr(parseCidr('192.0.2.77/24')!), '192.0.2.0/24');
  t.is(formatCidr(parseCidr('192.0.2.77')!), '192.0.2.77');
  t.is(formatCidr(parseCidr('2001:0DB8::1')!), '2001:db8::1/128');
  t.is(formatCidr(truncate(parseCidr('2001:db8:0:1:2:3:4:5')!, 64)), '2001:db8:0:1::/64');
  t.is(formatCidr(parseCidr('fe80::1%eth0/64')!), 'fe80::/64');
  t.is(formatCidr(parseCidr('::ffff:1.2.3.4')!), '::ffff:102:304/128', 'a mapped address stays IPv6 here');
  t.true(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.1.2.3')!));
  t.false(overlaps(parseCidr('10.0.0.0/8')!, parseCidr('11.0.0.0/8')!));
  t.false(overlaps(parseCidr('0.0.0.0/0')!, parseCidr('::/0')!), 'families never overlap');
  for (const text of ['192.0.2.1/33', '2001:db8::/129', '192.0.2.1/', '192.0.2.1/x', '01.2.3.4', 'example.com']) t.is(parseCidr(text), undefined, text);
});

test('differential: 20,000 random spellings parse as node:net accepts them and format as the WHATWG URL parser does', (t) => {
  let seed = 11;
  const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
  let v6 = 0;
  for (let i = 0; i < 20_000; i += 1) {
    const text = randomSpelling(random);
    const address = parseAddress(text);
    const accepted = isIPv4(text) || isIPv6(text);
    if ((address !== undefined) !== accepted) {
      t.fail(`${JSON.stringify(text)}: parsed ${address !== undefined}, node:net says ${accepted}`);
      return;
    }
    if (address?.family !== 6) continue;
    v6 += 1;
    const expected = new URL(`http://[${text}]/`).hostname.slice(1, -1);
    const actual = formatCidr({ ...address, network: address.value, length: 128 }).replace(/\/128$/, '');
    if (actual !== expected) {
      t.is(actual, expected, text);
      return;
    }
  }
  t.true(v6 > 5_000, `control: many valid IPv6 spellings (${v6})`);
});
