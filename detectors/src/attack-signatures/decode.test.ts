import test from 'ava';
import { Decoder, percentDecode } from './decode.js';

test('one pass: %XX as the byte, + as a space only in a query, malformed escapes kept', (t) => {
  t.is(percentDecode('/a%2e%2E/b', false), '/a../b');
  t.is(percentDecode('q=red+shoes%21', true), 'q=red shoes!');
  t.is(percentDecode('/c++/guide', false), '/c++/guide');
  t.is(percentDecode('50% off %zz %4', true), '50% off %zz %4');
  t.is(percentDecode('/%', false), '/%');
  t.is(percentDecode('caf%C3%A9', false), 'caf\u00c3\u00a9', 'UTF-8 stays as Latin-1 bytes: ASCII patterns see nothing new');
});

test('text without escapes comes back as the same string (no allocation on the common path)', (t) => {
  const path = '/products/red-dress';
  t.is(percentDecode(path, true), path);
  const decoder = new Decoder();
  t.is(decoder.decode(path, false), path);
  t.is(decoder.passes, 0);
});

test('overlong UTF-8 and IIS %u forms of dots and slashes fold to ASCII', (t) => {
  t.is(percentDecode('/%c0%ae%c0%ae%c0%af', false), '/../');
  t.is(percentDecode('/..%c1%9c..', false), '/..\\..');
  t.is(percentDecode('/%e0%80%ae%e0%80%ae/', false), '/../');
  t.is(percentDecode('/%u002e%u002e%u2215x%uff0e', false), '/../x.');
  t.is(percentDecode('/%uZZZZ', false), '/%uZZZZ');
});

test('two passes: double encoding is seen through, the depth is counted', (t) => {
  const decoder = new Decoder();
  t.is(decoder.decode('/%252e%252e%252fetc', false), '/../etc');
  t.is(decoder.passes, 2);
  t.is(decoder.decode('/.%%32%65/', false), '/../');
  t.is(decoder.passes, 2);
  t.is(decoder.decode('q=a+b', true), 'q=a b');
  t.is(decoder.passes, 0, 'a plus as a space is no decoding pass');
  t.is(decoder.decode('%25252e', false), '%2e', 'a third level is left encoded');
});
