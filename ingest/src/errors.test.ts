import { readFileSync } from 'node:fs';
import test from 'ava';
import { INGEST_ERRORS, ingestError, ingestErrorInfo } from './errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

test('the README lists every error code', (t) => {
  for (const code of Object.keys(INGEST_ERRORS)) t.true(readme.includes(`\`${code}\``), `${code} missing from ingest/README.md`);
});

test('catalogue entries are consistent', (t) => {
  for (const [key, info] of Object.entries(INGEST_ERRORS)) {
    t.is(info.code as string, key);
    t.true(info.description.length > 10);
    if (info.status === 503) t.true(info.retryable, `${key}: a 503 is always retryable`);
  }
});

test('ingestError takes retryable from the catalogue', (t) => {
  const error = ingestError('ERR_INGEST_BUS_UNAVAILABLE', 'queue full');
  t.is(error.code, 'ERR_INGEST_BUS_UNAVAILABLE');
  t.true(error.retryable);
  t.false(ingestError('ERR_INGEST_UNAUTHORIZED', 'no').retryable);
  t.throws(() => {
    throw ingestError('ERR_INGEST_BAD_GZIP', 'bad');
  }, { code: 'ERR_INGEST_BAD_GZIP' });
  t.is(ingestErrorInfo(new Error('x')).code, 'ERR_INGEST_UNEXPECTED');
});
