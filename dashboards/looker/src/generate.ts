/**
 * `node dashboards/looker/dist/generate.js [outputDir] [--check]` (`npm run lookml`): (re)writes the LookML generated
 * from sinks/schemas/bigquery into outputDir (default `dashboards/looker`, relative to the
 * working directory). With --check it writes nothing and exits 1 when the files differ.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadBigQuerySchemas } from '@botsieve/sinks';
import { diffLookml, generateLookml, REGENERATE_COMMAND, writeLookml } from './lookml.js';

export async function main(argv: readonly string[] = process.argv.slice(2), log: (line: string) => void = console.log): Promise<number> {
  const check = argv.includes('--check');
  const outputDir = resolve(argv.find((arg) => !arg.startsWith('--')) ?? 'dashboards/looker');
  if (check) {
    const drift = await diffLookml(outputDir, generateLookml(await loadBigQuerySchemas()));
    const problems = [...drift.changed.map((path) => `differs: ${path}`), ...drift.stale.map((path) => `stale: ${path}`)];
    for (const line of problems) log(line);
    log(problems.length > 0 ? `LookML in ${outputDir} is out of date; regenerate with: ${REGENERATE_COMMAND}` : `LookML in ${outputDir} is up to date`);
    return problems.length > 0 ? 1 : 0;
  }
  const drift = await writeLookml(outputDir);
  for (const path of drift.changed) log(`wrote ${path}`);
  for (const path of drift.stale) log(`removed ${path}`);
  if (drift.changed.length + drift.stale.length === 0) log(`LookML in ${outputDir} is up to date`);
  return 0;
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
