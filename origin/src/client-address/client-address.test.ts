import test from 'ava';
import { ClientAddressResolver, forwardedEntry } from './client-address.js';
import { cloudflareIpSet } from './cloudflare-ips.js';

const CF_PEER = '172.70.1.2'; // 172.64.0.0/13, a shipped Cloudflare range
const CF_PEER_V6 = '2a06:98c0:3600::103';
const LB = '10.0.0.5';
const CLIENT = '203.0.113.7';

const shipped = new ClientAddressResolver({ trusted_proxies: ['10.0.0.0/8', 'fd00::/8'] });

test('the shipped Cloudflare ranges hold edge addresses and not others', (t) => {
  const set = cloudflareIpSet();
  t.true(set.has(CF_PEER));
  t.true(set.has(CF_PEER_V6));
  t.true(set.has('::ffff:104.16.0.1'), 'IPv4-mapped form of an edge address');
  t.false(set.has(CLIENT));
  t.false(set.has('2001:db8::1'));
});

test('CF-Connecting-IP is taken from a Cloudflare peer', (t) => {
  t.deepEqual(shipped.resolve(CF_PEER, CLIENT, `6.6.6.6, ${CLIENT}`), { ip: CLIENT, source: 'cf-connecting-ip', peer: CF_PEER, via_cloudflare: true });
  t.is(shipped.resolve(CF_PEER_V6, '2001:DB8::0:1', undefined).ip, '2001:db8::1', 'canonical IPv6');
});

test('an IPv4-mapped IPv6 Cloudflare peer is the Cloudflare address', (t) => {
  t.deepEqual(shipped.resolve(`::ffff:${CF_PEER}`, CLIENT, undefined), { ip: CLIENT, source: 'cf-connecting-ip', peer: CF_PEER, via_cloudflare: true });
  t.deepEqual(shipped.resolve('::ffff:198.51.100.4', CLIENT, undefined), { ip: '198.51.100.4', source: 'peer', peer: '198.51.100.4', via_cloudflare: false });
});

test('a forged CF-Connecting-IP from a peer that is not Cloudflare is ignored', (t) => {
  t.deepEqual(shipped.resolve('198.51.100.4', '1.2.3.4', undefined), { ip: '198.51.100.4', source: 'peer', peer: '198.51.100.4', via_cloudflare: false });
  // Through our own load balancer: the LB saw 198.51.100.4, which is not Cloudflare.
  t.deepEqual(shipped.resolve(LB, '1.2.3.4', '198.51.100.4'), { ip: '198.51.100.4', source: 'x-forwarded-for', peer: LB, via_cloudflare: false });
});

test('a client-supplied X-Forwarded-For with a fake leftmost value cannot pick the address', (t) => {
  // Direct connection: XFF is not even read.
  t.is(shipped.resolve(CLIENT, undefined, '1.1.1.1').ip, CLIENT);
  // Behind our LB: the LB appended the real peer; the client's value is to its left.
  t.deepEqual(shipped.resolve(LB, undefined, `1.1.1.1, ${CLIENT}`), { ip: CLIENT, source: 'x-forwarded-for', peer: LB, via_cloudflare: false });
  // Behind Cloudflare, without CF-Connecting-IP (stripped by a proxy): Cloudflare appended the client.
  t.is(shipped.resolve(CF_PEER, undefined, `1.1.1.1, 8.8.8.8, ${CLIENT}`).ip, CLIENT);
  // The fake value pretends to be a trusted proxy: it is left of an untrusted hop, so never reached.
  t.is(shipped.resolve(LB, undefined, `10.9.9.9, ${CLIENT}`).ip, CLIENT);
});

test('Cloudflare behind our load balancer: CF-Connecting-IP is believed once the chain reaches Cloudflare', (t) => {
  t.deepEqual(shipped.resolve(LB, CLIENT, `6.6.6.6, ${CF_PEER}`), { ip: CLIENT, source: 'cf-connecting-ip', peer: LB, via_cloudflare: true });
});

test('multiple X-Forwarded-For headers are one list in order', (t) => {
  t.is(shipped.resolve(LB, undefined, ['1.1.1.1', `2.2.2.2, ${CLIENT}`]).ip, CLIENT);
  t.is(shipped.resolve(LB, undefined, [`1.1.1.1, ${CLIENT}`, '10.0.0.9']).ip, CLIENT, 'a second trusted proxy appended in a header of its own');
});

test('entries with ports, brackets, quotes and whitespace are read; garbage ends the walk', (t) => {
  t.is(shipped.resolve(LB, undefined, ` 1.1.1.1 ,  ${CLIENT}:51234 `).ip, CLIENT);
  t.is(shipped.resolve(LB, undefined, '"[2001:db8::7]:443"').ip, '2001:db8::7');
  t.is(shipped.resolve(LB, undefined, '[2001:db8::7]').ip, '2001:db8::7');
  for (const garbage of ['unknown', '', ' ', 'not-an-ip', '1.2.3.4:port', '999.1.1.1', '[2001:db8::7', '[2001:db8::7]x', '1.2.3.4/24', 'fe80::1%eth0']) {
    const answer = shipped.resolve(LB, undefined, `1.1.1.1, ${garbage}`);
    t.deepEqual(answer, { ip: LB, source: 'invalid_forwarded', peer: LB, via_cloudflare: false }, JSON.stringify(garbage));
  }
  // Garbage to the left of the client is never reached.
  t.deepEqual(shipped.resolve(LB, undefined, `garbage, ${CLIENT}`), { ip: CLIENT, source: 'x-forwarded-for', peer: LB, via_cloudflare: false });
  // A garbage CF-Connecting-IP falls back to the walk, which Cloudflare's appended entry ends.
  t.is(shipped.resolve(CF_PEER, 'garbage', `1.1.1.1, ${CLIENT}`).ip, CLIENT);
  t.is(shipped.resolve(CF_PEER, [CLIENT, '1.1.1.1'], `${CLIENT}`).ip, CLIENT, 'several CF-Connecting-IP headers: not believed, the chain decides');
  t.is(shipped.resolve(CF_PEER, `${CLIENT}, 1.1.1.1`, undefined).ip, CF_PEER, 'a list in CF-Connecting-IP is not an address');
});

test('an all-trusted chain gives the leftmost entry, which a trusted proxy wrote', (t) => {
  t.deepEqual(shipped.resolve(LB, undefined, '10.1.1.1, 10.2.2.2'), { ip: '10.1.1.1', source: 'x-forwarded-for', peer: LB, via_cloudflare: false });
  t.deepEqual(shipped.resolve(LB, undefined, undefined), { ip: LB, source: 'peer', peer: LB, via_cloudflare: false });
});

test('IPv6 chains and IPv6 trusted proxies', (t) => {
  t.is(shipped.resolve('fd00::1', undefined, '2001:db8::1, 2001:DB8:0::2').ip, '2001:db8::2');
  t.is(shipped.resolve('fd00::1', undefined, '::ffff:203.0.113.7').ip, CLIENT, 'an IPv4-mapped entry is its IPv4 address');
});

test('a long X-Forwarded-For is read for at most max_hops entries', (t) => {
  const resolver = new ClientAddressResolver({ cloudflare: false, trusted_proxies: ['10.0.0.0/8'], max_hops: 3 });
  const chain = Array.from({ length: 10_000 }, () => '10.0.0.1').join(',');
  t.deepEqual(resolver.resolve(LB, undefined, `${CLIENT},${chain}`), { ip: '10.0.0.1', source: 'x-forwarded-for', peer: LB, via_cloudflare: false });
});

test('without Cloudflare, CF-Connecting-IP is never believed', (t) => {
  const resolver = new ClientAddressResolver({ cloudflare: false });
  t.is(resolver.resolve(CF_PEER, CLIENT, undefined).ip, CF_PEER);
});

test('an unknown peer (a Unix socket) gives no address', (t) => {
  t.deepEqual(shipped.resolve(undefined, CLIENT, CLIENT), { ip: '', source: 'peer', peer: '', via_cloudflare: false });
});

test('bad options are ERR_ORIGIN_CONFIG', (t) => {
  t.throws(() => new ClientAddressResolver({ trusted_proxies: ['10.0.0.0/33'] }), { code: 'ERR_ORIGIN_CONFIG' });
  t.throws(() => new ClientAddressResolver({ max_hops: 0 }), { code: 'ERR_ORIGIN_CONFIG' });
});

test('forwardedEntry', (t) => {
  t.is(forwardedEntry(' 192.0.2.1:80 '), '192.0.2.1');
  t.is(forwardedEntry('2001:db8::1'), '2001:db8::1');
  t.is(forwardedEntry('[::ffff:192.0.2.1]:8080'), '192.0.2.1');
  t.is(forwardedEntry('192.0.2.1:'), null);
  t.is(forwardedEntry('_hidden'), null);
});
