import test from 'ava';
import { readFile } from 'node:fs/promises';
import { ERROR_CATALOGUES, renderReadme } from './docs.js';

const README = new URL('../../README.md', import.meta.url);

test('the README holds the configuration reference and error catalogue the code generates', async (t) => {
  const readme = await readFile(README, 'utf8');
  // On failure run `npm run docs` and commit the README.
  t.is(renderReadme(readme), readme);
});

test('the README lists every error code of every package', async (t) => {
  const readme = await readFile(README, 'utf8');
  const codes = Object.values(ERROR_CATALOGUES).flatMap((catalogue) => Object.values(catalogue).map((entry) => entry.code));
  t.true(codes.length > 20);
  for (const code of codes) t.true(readme.includes(`\`${code}\``), `${code} missing from README`);
});
