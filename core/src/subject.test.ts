import test from 'ava';
import { isSubjectKey, SUBJECT_KINDS, subjectKind } from './subject.js';

test('subject kinds in their one order', (t) => {
  t.deepEqual(SUBJECT_KINDS, ['ip', 'prefix', 'asn', 'ja4', 'ua']);
});

test('the kind of a key, and what is a key', (t) => {
  t.is(subjectKind('ip:192.0.2.1'), 'ip');
  t.is(subjectKind('prefix:2001:db8::/64'), 'prefix', 'the first colon separates');
  t.is(subjectKind('ua:curl/8.5.0 (x:y)'), 'ua');
  for (const bad of ['', 'ip', ':1.2.3.4', 'host:example.com', 'IP:1.2.3.4']) t.is(subjectKind(bad), undefined, bad);
  t.true(isSubjectKey('asn:13335'));
  t.true(isSubjectKey('ua::'));
  for (const bad of ['asn:', 'ipx', 'country:fr', 42, null]) t.false(isSubjectKey(bad), String(bad));
});
