/** The README documents every error code, every edge header, and every guard, stream and bucket option. */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { ORIGIN_ERRORS } from './errors.js';
import { CLOUDFLARE_HEADERS, EDGE_HEADERS } from '@botsieve/core';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const SOURCES = ['middleware/origin-guard.ts', 'request-stream/request-stream.ts', 'load-bucket/load-bucket.ts', 'client-address/client-address.ts'];

test('every error code is in the README', (t) => {
  for (const code of Object.keys(ORIGIN_ERRORS)) t.true(README.includes(`| \`${code}\``), code);
});

test('every header of the edge contract (ours and the Cloudflare ones read) is in the README table', (t) => {
  const names = [...Object.values(EDGE_HEADERS), ...Object.values(CLOUDFLARE_HEADERS)];
  t.true(names.length >= 10);
  for (const name of names) t.true(README.toLowerCase().includes(`| \`${name}\``), name);
});

test('every option of the guard, the stream, the bucket and the resolver is in the README', (t) => {
  for (const file of SOURCES) {
    const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
    const block = /export interface \w+Options \{([\s\S]*?)\n\}/.exec(source)![1]!;
    const names = [...block.matchAll(/^ {2}(\w+)\??:/gm)].map((match) => match[1]!);
    t.true(names.length > 2, file);
    for (const name of names) t.true(README.includes(`\`${name}\``), `${file}: ${name}`);
  }
});
