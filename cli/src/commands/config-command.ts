/** `botsieve config`: the effective configuration, the Markdown references, or a README refresh. */
import { readFile, writeFile } from 'node:fs/promises';
import { BotsieveError } from '@botsieve/core';
import { loadConfig, botsieveConfigSchema } from '../config.js';
import { configReference } from '../config-reference.js';
import { errorReference, renderReadme } from '../docs.js';

export const CONFIG_OPTIONS = {
  config: { type: 'string' },
  reference: { type: 'boolean' },
  errors: { type: 'boolean' },
  'write-readme': { type: 'string' },
} as const;

export interface ConfigFlags {
  config?: string | undefined;
  reference?: boolean | undefined;
  errors?: boolean | undefined;
  'write-readme'?: string | undefined;
}

export async function configCommand(flags: ConfigFlags): Promise<number> {
  if (flags['write-readme'] !== undefined) {
    const path = flags['write-readme'];
    const before = await readFile(path, 'utf8').catch((cause: Error) => {
      throw new BotsieveError('ERR_CLI_USAGE', `cannot read ${path}: ${cause.message}`, { cause });
    });
    const after = renderReadme(before);
    if (after !== before) await writeFile(path, after);
    process.stderr.write(after === before ? `${path} is up to date\n` : `${path} updated\n`);
    return 0;
  }
  if (flags.reference === true) {
    process.stdout.write(configReference(botsieveConfigSchema));
    return 0;
  }
  if (flags.errors === true) {
    process.stdout.write(errorReference());
    return 0;
  }
  process.stdout.write(`${JSON.stringify(loadConfig({ file: flags.config, env: process.env }), null, 2)}\n`);
  return 0;
}
