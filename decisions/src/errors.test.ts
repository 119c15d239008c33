import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { DECIDE_ERRORS, decideError } from './errors.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** The package's sources, tests and test helpers left out. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && entry.name !== 'test-support.ts' ? [path] : [];
  });
}

test('every code the package raises or counts is in its one catalogue', (t) => {
  const files = sources(SRC);
  t.true(files.length > 10, SRC);
  const used = new Set<string>();
  for (const file of files) for (const match of readFileSync(file, 'utf8').matchAll(/\bERR_[A-Z0-9_]+\b/g)) used.add(match[0]);
  for (const code of used) t.true(code in DECIDE_ERRORS, `${code} is used in decisions/src but not in DECIDE_ERRORS`);
  for (const code of Object.keys(DECIDE_ERRORS)) t.true(used.has(code), `${code} is catalogued but never used`);
});

test('catalogue entries are consistent', (t) => {
  for (const [key, info] of Object.entries(DECIDE_ERRORS)) {
    t.is(info.code as string, key);
    t.true(info.description.length > 10);
    if (info.status === 503) t.true(info.retryable, `${key}: a 503 is always retryable`);
  }
});

test('decideError takes retryable from the catalogue', (t) => {
  t.throws(() => {
    throw decideError('ERR_STREAM_FEED_CLOSED', 'closed');
  }, { code: 'ERR_STREAM_FEED_CLOSED' });
  t.false(decideError('ERR_STREAM_FEED_CLOSED', 'closed').retryable);
  t.true(decideError('ERR_DECIDE_NOT_READY', 'rebuilding').retryable);
});
