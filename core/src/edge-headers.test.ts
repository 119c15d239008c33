import test from 'ava';
import { CLOUDFLARE_HEADERS, EDGE_HEADER_NAMES, EDGE_HEADERS, EDGE_TOKEN_MIN_LENGTH } from './edge-headers.js';

const ours: string[] = Object.values(EDGE_HEADERS);
const cloudflare: string[] = Object.values(CLOUDFLARE_HEADERS);

test('every name is a lower-case HTTP token, as Node gives header names', (t) => {
  for (const name of [...ours, ...cloudflare]) {
    t.is(name, name.toLowerCase(), name);
    t.regex(name, /^[a-z0-9][a-z0-9-]*[a-z0-9]$/, name);
  }
});

test('our headers are botsieve-*, never cf-* or x-cf-* (Cloudflare owns those); Cloudflare\'s are cf-*', (t) => {
  for (const name of ours) {
    t.true(name.startsWith('botsieve-'), name);
    t.false(name.startsWith('cf-') || name.startsWith('x-cf-'), name);
  }
  for (const name of cloudflare) t.true(name.startsWith('cf-'), name);
});

test('no name is used twice, within or across the two sets', (t) => {
  const all = [...ours, ...cloudflare];
  t.is(new Set(all).size, all.length);
});

test('EDGE_HEADER_NAMES is exactly EDGE_HEADERS (what the Worker strips from the client)', (t) => {
  t.is(EDGE_HEADER_NAMES.length, ours.length);
  t.deepEqual([...EDGE_HEADER_NAMES].sort(), [...ours].sort());
  t.true(Object.isFrozen(EDGE_HEADERS) && Object.isFrozen(EDGE_HEADER_NAMES) && Object.isFrozen(CLOUDFLARE_HEADERS));
});

test('the edge token minimum is a sane secret length', (t) => {
  t.true(Number.isInteger(EDGE_TOKEN_MIN_LENGTH) && EDGE_TOKEN_MIN_LENGTH >= 16);
});
