/** Route helpers: which query strings are cache busting. */
import test from 'ava';
import { looksCacheBusting } from './route.js';

test('cache busting: random values, timestamps, known names, and a bare random parameter', (t) => {
  for (const uri of ['/search?q=x8f3k2l9', '/?_=1700000000123abc', '/p/1?t=1700000000123', '/?cb=1', '/?nocache', '/p?a=1&rand=x', '/?k3x9a2', '/?1700000000123', '/p/7?ref=mail&9fk2m3q1'])
    t.true(looksCacheBusting(uri), uri);
});

test('not cache busting: words, small numbers, marketing tags, bare words, no query', (t) => {
  for (const uri of ['/search?q=red+shoes', '/list?page=3', '/?utm_source=newsletter&utm_medium=email', '/?amp', '/?print', '/p/12', '/?', '/?a1', '/?gift2024'])
    t.false(looksCacheBusting(uri), uri);
});

test('not cache busting: the click identifiers ads and shopping results add to a person\'s landing page', (t) => {
  for (const uri of ['/?gclid=Cj0KCQiA8fW9BhC8ARIsACwHqYqf3k2l9x8', '/p/12?srsltid=AfmBOoq7x3k9Lm2Qw8eR5tY1uI0pA', '/?fbclid=IwAR2x8f3k2l9q7w', '/?utm_source=ads&msclkid=3f9a2b7c8d1e4f5a6b7c8d9e0f1a2b3c', '/p/1?_gl=1*1x8f3k2*_ga*MTIzNDU2Nzg5'])
    t.false(looksCacheBusting(uri), uri);
  t.true(looksCacheBusting('/?gclid=Cj0KCQiA8fW9BhC8&_=1700000000123'), 'a cache buster beside one still counts');
});
