import test from 'ava';
import { clientSubjects, ipuaSubject, isSubjectKey, parseIpuaSubject, SUBJECT_KINDS, subjectKind, VERDICT_SUBJECT_KINDS } from './subject.js';

test('subject kinds in their one order', (t) => {
  t.deepEqual(SUBJECT_KINDS, ['ip', 'prefix', 'asn', 'ja4', 'ua']);
  t.deepEqual(VERDICT_SUBJECT_KINDS, ['ipua', 'ip', 'prefix', 'asn', 'ja4', 'ua']);
});

test('an ipua key: the canonical address, one space, the exact user agent', (t) => {
  t.is(ipuaSubject('198.51.100.7', 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X)'), 'ipua:198.51.100.7 Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X)');
  t.deepEqual(parseIpuaSubject('ipua:2001:db8::1 curl/8.5.0 (x y)'), { ip: '2001:db8::1', user_agent: 'curl/8.5.0 (x y)' }, 'the first space separates; IPv6 colons are part of the address');
  t.deepEqual(parseIpuaSubject(ipuaSubject('192.0.2.1', '')), { ip: '192.0.2.1', user_agent: '' }, 'no user agent');
  t.is(subjectKind('ipua:192.0.2.1 curl/8'), 'ipua');
  t.true(isSubjectKey('ipua:192.0.2.1 '));
  for (const bad of ['ipua:', 'ipua:192.0.2.1', 'ipua: curl/8', 'ip:192.0.2.1 curl']) t.is(parseIpuaSubject(bad), null, bad);
  for (const bad of ['ipua:', 'ipua:192.0.2.1', 'ipua: curl/8']) t.false(isSubjectKey(bad), bad);
});

test('the kind of a key, and what is a key', (t) => {
  t.is(subjectKind('ip:192.0.2.1'), 'ip');
  t.is(subjectKind('prefix:2001:db8::/64'), 'prefix', 'the first colon separates');
  t.is(subjectKind('ua:curl/8.5.0 (x:y)'), 'ua');
  for (const bad of ['', 'ip', ':1.2.3.4', 'host:example.com', 'IP:1.2.3.4']) t.is(subjectKind(bad), undefined, bad);
  t.true(isSubjectKey('asn:13335'));
  t.true(isSubjectKey('ua::'));
  t.true(isSubjectKey('ua:'), 'the empty user agent: requests that send none');
  for (const bad of ['asn:', 'ip:', 'ja4:', 'ipx', 'country:fr', 42, null]) t.false(isSubjectKey(bad), String(bad));
});

test('subjects of a client, spelled as detectors spell them, most specific first', (t) => {
  t.deepEqual(clientSubjects({ ip: '203.0.113.77', asn: 64500, ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', user_agent: 'curl/8.5.0' }), [
    'ipua:203.0.113.77 curl/8.5.0',
    'ip:203.0.113.77',
    'prefix:203.0.113.0/24',
    'asn:64500',
    'ja4:t13d1516h2_8daaf6152771_e5627efa2ab1',
    'ua:curl/8.5.0',
  ]);
  t.deepEqual(clientSubjects({ ip: '2001:DB8::1', asn: 0, ja4: null, user_agent: '' }), ['ipua:2001:db8::1 ', 'ip:2001:db8::1', 'prefix:2001:db8::/64', 'ua:'], 'a request without a user agent falls under `ua:`');
  t.deepEqual(clientSubjects({ ip: '2001:DB8::1', user_agent: null }), ['ip:2001:db8::1', 'prefix:2001:db8::/64'], 'an unknown user agent (null, absent) gives no `ua:` or `ipua:` subject');
  t.deepEqual(clientSubjects({ ip: 'garbage', asn: 13335 }), ['asn:13335']);
  t.deepEqual(clientSubjects({ ip: '192.0.2.1', asn: 1.5 }), ['ip:192.0.2.1', 'prefix:192.0.2.0/24'], 'a non-integer ASN is none');
  for (const subjects of [clientSubjects({ ip: '198.51.100.9', asn: 7, ja4: 'j', user_agent: 'u' })]) {
    t.deepEqual(subjects.map((subject) => subjectKind(subject)), [...VERDICT_SUBJECT_KINDS], 'in VERDICT_SUBJECT_KINDS order');
  }
});

test('IPv4-mapped addresses are keyed as their IPv4 address, as ingest spells events', (t) => {
  t.deepEqual(clientSubjects({ ip: '::ffff:198.51.100.7' }), ['ip:198.51.100.7', 'prefix:198.51.100.0/24']);
});
