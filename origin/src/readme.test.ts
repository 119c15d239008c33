/** The README documents every error code, every edge header, and every guard, stream and bucket option. */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { ORIGIN_ERRORS } from './errors.js';
import { EDGE_HEADERS } from './middleware/edge-headers.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const SOURCES = ['middleware/origin-guard.ts', 'request-stream/request-stream.ts', 'load-bucket/load-bucket.ts', 'client-address/client-address.ts'];

test('every error code is in the README', (t) => {
  for (const code of Object.keys(ORIGIN_ERRORS)) t.true(README.includes(`| \`${code}\``), code);
});

test('every edge header is in the README table', (t) => {
  for (const name of Object.values(EDGE_HEADERS)) t.true(README.toLowerCase().includes(`| \`${name}\``), name);
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
