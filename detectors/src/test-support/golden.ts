/**
 * Golden tests (CrowdSec hub style): `testdata/<case>/{config.json, input.ndjson, expected.ndjson}`.
 * config.json is a DetectConfig; input.ndjson holds canonical RequestEvents; expected.ndjson holds
 * every verdict in emission order, then one `{"stats":…}` line (events, late, verdicts and the
 * annotation each event got in causal replay). `UPDATE_GOLDEN=1` rewrites expected.ndjson from
 * the current output; the comparison itself is always strict.
 *
 * Testdata stays in src/ (tsc does not copy it): paths are resolved from the package root,
 * found by walking up from the compiled test to the package.json of @botsieve/detectors.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestEvent } from '@botsieve/core';
import { nullTelemetry } from '@botsieve/runtime';
import { parseDetectConfig } from '../config.js';
import { detectorsPackageRoot } from '../package-root.js';
import { createReplay } from '../replay/replay.js';

/** Root of @botsieve/detectors (tests read their testdata and the README from it). */
export const packageRoot = detectorsPackageRoot;

/** Case directories under `src/<relative>` (sorted). */
export function goldenCases(relative: string): { name: string; dir: string }[] {
  const base = join(packageRoot(), 'src', relative);
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => ({ name: entry.name, dir: join(base, entry.name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function readNdjson(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

/** Runs one case through causal replay; returns the actual and expected lines. */
export function runGolden(dir: string): { actual: string[]; expected: string[] } {
  const config = parseDetectConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  const replay = createReplay(config, nullTelemetry());
  const lines: string[] = [];
  const annotations = { allow: 0, log: 0, challenge: 0, block: 0 };
  for (const event of readNdjson(join(dir, 'input.ndjson')) as RequestEvent[]) {
    const { verdicts, annotation } = replay.push(event);
    annotations[annotation.action] += 1;
    for (const verdict of verdicts) lines.push(JSON.stringify(verdict));
  }
  for (const verdict of replay.finish()) lines.push(JSON.stringify(verdict));
  const { events, late, invalid, verdicts } = replay.engine.stats;
  lines.push(JSON.stringify({ stats: { events, late, invalid, verdicts, annotations, state_keys_after_finish: replay.engine.stateSize().keys } }));
  const expectedPath = join(dir, 'expected.ndjson');
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(expectedPath, `${lines.join('\n')}\n`);
  const expected = existsSync(expectedPath) ? readNdjson(expectedPath).map((value) => JSON.stringify(value)) : [];
  return { actual: lines, expected };
}
