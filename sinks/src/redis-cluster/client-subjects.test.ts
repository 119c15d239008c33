import test from 'ava';
import { clientSubjects } from './client-subjects.js';

test('subjects of a client, spelled as detectors spell them', (t) => {
  t.deepEqual(clientSubjects({ ip: '203.0.113.77', asn: 64500, ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', user_agent: 'curl/8.5.0' }), [
    'ip:203.0.113.77',
    'prefix:203.0.113.0/24',
    'asn:64500',
    'ja4:t13d1516h2_8daaf6152771_e5627efa2ab1',
    'ua:curl/8.5.0',
  ]);
  t.deepEqual(clientSubjects({ ip: '2001:DB8::1', asn: 0, ja4: null, user_agent: '' }), ['ip:2001:db8::1', 'prefix:2001:db8::/64']);
  t.deepEqual(clientSubjects({ ip: 'garbage', asn: 13335 }), ['asn:13335']);
});

test('IPv4-mapped addresses are looked up as their IPv4 address, as ingest spells events', (t) => {
  t.deepEqual(clientSubjects({ ip: '::ffff:198.51.100.7' }), ['ip:198.51.100.7', 'prefix:198.51.100.0/24']);
});
