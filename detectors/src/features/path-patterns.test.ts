import test from 'ava';
import { PathPatterns, type LiteralVisitor } from './path-patterns.js';

test('prefix and substring modes, literals and re: regexes (the classify lists)', (t) => {
  const prefix = new PathPatterns(['/login', 're:^/(api/)?auth$'], 'prefix', 'login');
  t.true(prefix.matches('/login/x'));
  t.true(prefix.matches('/api/auth'));
  t.false(prefix.matches('/x/login'));
  const substring = new PathPatterns(['/.env', '/.git/', 'x', 're:\\.sql$'], 'substring', 'sensitive');
  t.true(substring.matches('/app/.env'));
  t.true(substring.matches('/a/.git/config'));
  t.true(substring.matches('/box'), 'one-character literal');
  t.true(substring.matches('/dump.sql'));
  t.false(substring.matches('/products/red-dress'));
  t.true(new PathPatterns([''], 'substring', 'any').matches('/anything'));
  t.throws(() => new PathPatterns(['re:('], 'substring', 'bad'), { code: 'ERR_DETECTOR_CONFIG' });
});

test('scan visits every occurrence with its position in the pattern list; the visitor can stop it', (t) => {
  const patterns = new PathPatterns(['.env', 'config.', 'e', 're:ignored'], 'substring', 'scan');
  const seen: [number, number][] = [];
  const all: LiteralVisitor = { visit: (index, position) => (seen.push([index, position]), false) };
  t.false(patterns.scan('/.env/config.php', all));
  t.deepEqual(seen, [[0, 1], [2, 2], [1, 6]]);
  t.is(patterns.firstLiteral('/config.php'), 1);
  t.is(patterns.firstLiteral('/xyz'), -1);
});

test('token boundaries: a literal with a letter or digit at an edge needs a non-word neighbour there', (t) => {
  const files = new PathPatterns(['.env', 'config.json', 'wp-config.', '/proc/'], 'substring', 'files', { tokenBoundaries: true });
  for (const path of ['/.env', '/app/.env.bak', '/.env~', '/config.json', '/api/v1-config.json', '/wp-config.php.bak', '/x/proc/self']) t.true(files.matches(path), path);
  for (const path of ['/gift.envelope', '/siteconfig.json', '/config.jsonp', '/process/']) t.false(files.matches(path), path);
});

test('literalsOnly: entries read from data files are literals even when they start with re:', (t) => {
  const literal = new PathPatterns(['re:x'], 'substring', 'data', { literalsOnly: true });
  t.true(literal.matches('/a/re:x'));
  t.false(literal.matches('/x'));
});

test('ASCII pair index and non-ASCII literals', (t) => {
  const patterns = new PathPatterns(['/café', 'ab'], 'substring', 'mixed');
  t.true(patterns.matches('/menu/café-au-lait'));
  t.true(patterns.matches('/lab'));
  t.false(patterns.matches('/cafe/a-b'));
});
