/** Each publication format read from an excerpt of a real copy (testdata/), never the network. */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { parseAddressLines, parseBingStyleRanges, parseGoogleStyleRanges, parsePublication, parseStatusCakeLocations } from './published-formats.js';

const fixture = (name: string): string => readFileSync(new URL(`../../src/exemption/testdata/${name}`, import.meta.url), 'utf8');

test('google-json: Google, Bing and Apple publish {creationTime, prefixes}', (t) => {
  t.deepEqual(parseGoogleStyleRanges(JSON.parse(fixture('googlebot.json'))), { published_at: '2026-03-16T15:46:38.000000', cidrs: ['66.249.64.0/27', '2001:4860:4801:10::/64'] });
  t.deepEqual(parseBingStyleRanges({ prefixes: [{ ipv4Prefix: '157.55.39.0/24' }] }), { published_at: null, cidrs: ['157.55.39.0/24'] });
  t.deepEqual(parsePublication('google-json', fixture('googlebot.json'), 'googlebot').cidrs, ['66.249.64.0/27', '2001:4860:4801:10::/64']);
  t.throws(() => parseGoogleStyleRanges({ prefixes: [] }), { code: 'ERR_EXEMPTION_REFRESH', message: /no prefixes/ });
  t.throws(() => parseGoogleStyleRanges('<html>maintenance</html>'), { code: 'ERR_EXEMPTION_REFRESH' });
  t.throws(() => parseBingStyleRanges({ prefixes: [{ ipv4Prefix: 'not-a-cidr' }] }), { code: 'ERR_EXEMPTION_REFRESH', message: /prefixes\[0\]/ });
});

test('lines: UptimeRobot (CRLF, a repeated line), Pingdom and Better Stack (no final newline)', (t) => {
  t.deepEqual(parseAddressLines(fixture('uptimerobot-IPv4andIPv6.txt'), 'uptimerobot'), {
    published_at: null,
    cidrs: ['104.131.107.63', '216.144.248.16/28', '3.12.251.153', '2400:6180:0:d0::16:d001', '2607:ff68:107::0/121'],
  });
  t.deepEqual(parseAddressLines(fixture('pingdom-probes-ipv4.txt')).cidrs, ['3.10.222.182', '13.41.140.26', '209.58.139.194']);
  t.deepEqual(parseAddressLines(fixture('pingdom-probes-ipv6.txt')).cidrs, ['2001:19f0:200:125d::426', '2a0d:3002:2100:a00c:5::4065']);
  t.deepEqual(parseAddressLines(fixture('betterstack-ips.txt')).cidrs, ['5.223.56.56', '45.79.236.121', '2400:8907::2000:2eff:fed6:8631', '2a01:4ff:f0:565a::1']);
  t.deepEqual(parseAddressLines('# comment\n\n192.0.2.1\n').cidrs, ['192.0.2.1']);
  t.throws(() => parseAddressLines(fixture('maintenance.html'), 'betterstack'), { code: 'ERR_EXEMPTION_REFRESH', message: /betterstack range list: line 1 is not an address or CIDR/ });
  t.throws(() => parseAddressLines('\r\n\r\n'), { code: 'ERR_EXEMPTION_REFRESH', message: /no prefixes/ });
});

test('statuscake-json: every location’s ip, then the ipv6 of those that have one', (t) => {
  t.deepEqual(parseStatusCakeLocations(JSON.parse(fixture('statuscake-locations.json'))), {
    published_at: null,
    cidrs: ['146.190.20.113', '34.13.166.3', '45.32.148.97', '2a03:b0c0:2:d0::12d1:1', '2001:19f0:6801:099e:5400:05ff:fec5:f341'],
  });
  t.throws(() => parseStatusCakeLocations([]), { code: 'ERR_EXEMPTION_REFRESH', message: /object of locations/ });
  t.throws(() => parseStatusCakeLocations({ 1: { title: 'x' } }), { code: 'ERR_EXEMPTION_REFRESH', message: /location 1 has no "ip"/ });
  t.throws(() => parseStatusCakeLocations({ 1: { ip: 'x', ipv6: '' } }), { code: 'ERR_EXEMPTION_REFRESH', message: /location 1 ip is not an address/ });
  t.throws(() => parseStatusCakeLocations({}), { code: 'ERR_EXEMPTION_REFRESH', message: /no prefixes/ });
  t.throws(() => parsePublication('statuscake-json', fixture('maintenance.html'), 'statuscake'), { code: 'ERR_EXEMPTION_REFRESH', message: /statuscake: not JSON/ });
});
