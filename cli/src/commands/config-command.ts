/** `botsieve config`: the effective configuration, or the Markdown reference built from the schema. */
import { loadConfig, botsieveConfigSchema } from '../config.js';
import { configReference } from '../config-reference.js';

export const CONFIG_OPTIONS = {
  config: { type: 'string' },
  reference: { type: 'boolean' },
} as const;

export async function configCommand(flags: { config?: string | undefined; reference?: boolean | undefined }): Promise<number> {
  if (flags.reference === true) {
    process.stdout.write(configReference(botsieveConfigSchema));
    return 0;
  }
  process.stdout.write(`${JSON.stringify(loadConfig({ file: flags.config, env: process.env }), null, 2)}\n`);
  return 0;
}
