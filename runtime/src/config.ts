/**
 * Configuration: one zod schema per package yields the TypeScript type and the defaults and
 * rejects unknown keys. Sources, lowest precedence first: schema defaults, a JSON file, the
 * environment (`BOTSIEVE_<PATH>` with `__` between path segments, e.g.
 * `BOTSIEVE_INGEST__MAX_BODY_BYTES=1000000`), then command-line flags. Everything is validated at
 * boot, before anything connects.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { catalogueError } from '@botsieve/core';
import { RUNTIME_ERRORS } from './errors.js';

export const ENV_PREFIX = 'BOTSIEVE_';

/** Deep-merges plain objects; arrays and scalars from `override` replace. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override === undefined ? base : override;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = mergeConfig(base[key], value);
  return merged;
}

/** Environment overrides as a nested object. Values are parsed as JSON when they parse. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    let node = out;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      node = (isPlainObject(next) ? next : (node[segment] = {})) as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = parseScalar(raw);
  }
  return out;
}

export function readConfigFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw catalogueError(RUNTIME_ERRORS.ERR_CONFIG_FILE, `cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** Validates raw config against a schema; the error lists every problem with its path. */
export function parseConfig<S extends z.ZodType>(schema: S, raw: unknown, what = 'config'): z.output<S> {
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
  throw catalogueError(RUNTIME_ERRORS.ERR_CONFIG_INVALID, `invalid ${what}:\n${problems}`);
}

function parseScalar(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A config field holding a regular expression's source: non-empty, and it compiles (case-insensitive). */
export const regexSource = z.string().min(1).refine(
  (source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);
