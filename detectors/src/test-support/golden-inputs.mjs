// Shared by the testdata/generate.mjs scripts of the summary detectors: writes a case's
// config.json and input.ndjson from hand-built summary specs. Imports the compiled fixtures, so
// run the generators after a build.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const { T0, makeSummary, range } = await import(join(dist, 'test-support', 'summary-specs.js'));
const { encodeSummary } = await import(join(dist, 'engine', 'summary.js'));

export { T0, range };
export const ip = (a) => `ip:${a}`;

/** A writer of cases under `here` (the testdata directory). */
export function caseWriter(here) {
  return function write(name, config, steps) {
    const base = join(here, name);
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    const lines = steps.map((s) => (typeof s === 'number' ? JSON.stringify({ flush: s }) : `{"summary":${encodeSummary(makeSummary(s))}}`));
    writeFileSync(join(base, 'input.ndjson'), lines.join('\n') + '\n');
  };
}

/** Specs merged by step time, with a flush (watermark 2 s behind) every `flushEvery` ms of event time. */
export function timeline(specs, flushEvery = 30_000, end = null) {
  const all = specs.flat().sort((a, b) => a.step_ms - b.step_ms);
  const out = [];
  let nextFlush = T0 + flushEvery;
  for (const s of all) {
    while (s.step_ms >= nextFlush) {
      out.push(nextFlush - 2_000);
      nextFlush += flushEvery;
    }
    out.push(s);
  }
  if (end !== null) out.push(end);
  return out;
}
