import test from 'ava';
import { hash32 } from '../sketch/index.js';
import { classifyConfigSchema } from './config.js';
import { PathFacts } from './path-facts.js';
import { PathPatterns } from './path-patterns.js';

function facts(): PathFacts {
  const config = classifyConfigSchema.parse({});
  return new PathFacts({
    login: new PathPatterns(config.login_paths, 'prefix', 'login'),
    sensitive: new PathPatterns(config.sensitive_paths, 'substring', 'sensitive'),
    sensitiveExcept: new PathPatterns(config.sensitive_paths_except, 'substring', 'except'),
    assetExtensions: new Set(config.asset_extensions),
    apiPrefixes: new PathPatterns(config.api_prefixes, 'prefix', 'api'),
    cartPaths: new PathPatterns(config.cart_paths, 'prefix', 'cart'),
  });
}

const EXPECTED: [string, number, number][] = [
  ['/login', PathFacts.LOGIN | PathFacts.PAGE_EXTENSION, -1],
  ['/.env', PathFacts.PROBE, -1],
  ['/cart/add', PathFacts.CART | PathFacts.PAGE_EXTENSION, -1],
  ['/static/app.JS', PathFacts.ASSET_EXTENSION, -1],
  ['/api/v1/products/17', PathFacts.API_PATH | PathFacts.PAGE_EXTENSION, 17],
  ['/feed.json', PathFacts.API_PATH, -1],
  ['/product/123456789012345', PathFacts.PAGE_EXTENSION, 123456789012345],
  ['/index.php', PathFacts.PAGE_EXTENSION, -1],
];

test('path facts: what the patterns say, the same from the cache, also for paths sharing a slot', (t) => {
  const paths = facts();
  for (let round = 0; round < 3; round++) {
    for (const [path, bits, id] of EXPECTED) {
      for (const hash of [hash32(path), 5]) {
        t.is(paths.of(path, hash), bits, `${path} (hash ${hash}, round ${round})`);
        t.is(paths.numericId, id, path);
      }
    }
  }
});
