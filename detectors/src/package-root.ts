/**
 * Root of @botsieve/detectors (where `data/`, the README and the tests' testdata live), found by
 * walking up from this module to the package.json with that name: works from src/ (tests via
 * tsx) and dist/ alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function detectorsPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@botsieve/detectors') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package root of @botsieve/detectors not found');
    dir = parent;
  }
}
