/**
 * The maintained lists `attack-signatures` matches, shipped as data (`detectors/data/attack-signatures.json`)
 * and refreshed with `botsieve attack-signatures refresh` (refresh.ts), never written by hand:
 *
 * - `attack_tools`: user-agent fragments of security scanners and attack tools (sqlmap, nikto,
 *   nuclei, masscan, zgrab, wpscan, Hydra, …): OWASP CRS `rules/scanners-user-agents.data`.
 * - `restricted_files`: file and directory names no visitor requests (`.env`, `.git/`,
 *   `wp-config.`, `/app/etc/env.php`, `proc/self`, …): CRS `rules/restricted-files.data`.
 * - `os_files`: operating-system and server files a path-traversal or file-inclusion payload
 *   names in a parameter (`etc/passwd`, `windows/win.ini`, `var/log`, …): CRS `rules/lfi-os-files.data`.
 *
 * Each list keeps where it came from: repository, file path, commit, licence, fetch time and a
 * provenance sentence. The entries are the file's lines that are neither blank nor comments,
 * trimmed, in the file's order (CRS `@pmFromFile` format): case-insensitive phrases.
 *
 * Loading is boot-time I/O (config parsing and detector creation), cached per file and
 * modification time, so the detector itself stays pure and a reload after a refresh sees the new file.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';
import { detectorsPackageRoot } from '../package-root.js';
import { parseOrThrow } from '../parse-or-throw.js';

export const ATTACK_LIST_NAMES = ['attack_tools', 'restricted_files', 'os_files'] as const;
export type AttackListName = (typeof ATTACK_LIST_NAMES)[number];

/** Where each list comes from by default (the refresh fetches these paths at one commit). */
export const CRS_REPOSITORY = 'coreruleset/coreruleset';
export const CRS_PATHS: Readonly<Record<AttackListName, string>> = {
  attack_tools: 'rules/scanners-user-agents.data',
  restricted_files: 'rules/restricted-files.data',
  os_files: 'rules/lfi-os-files.data',
};

const entrySchema = z
  .string()
  .min(1)
  .max(256)
  .refine((entry) => entry === entry.trim() && !/[\r\n]/.test(entry), { message: 'one trimmed line' });

export const attackListSchema = z.strictObject({
  /** GitHub repository the list is read from (`owner/name`). */
  repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name').describe('GitHub repository the list is read from (owner/name).'),
  /** Path of the data file in that repository. */
  path: z.string().min(1).describe('Path of the data file in the repository.'),
  /** Commit the entries were read at (40 hex digits). */
  commit: z.string().regex(/^[0-9a-f]{40}$/, '40 lower-case hex digits').describe('Commit the entries were read at.'),
  /** SPDX licence of the source (CRS: Apache-2.0). */
  license: z.string().min(1).describe('SPDX licence of the source.'),
  /** When the entries were fetched (ISO 8601). */
  fetched_at: z.string().min(1).describe('When the entries were fetched (ISO 8601).'),
  /** How exactly the entries were obtained, for reviewers of the data. */
  provenance: z.string().min(1).describe('How exactly the entries were obtained.'),
  /** The file's non-blank, non-comment lines, trimmed, in order: case-insensitive phrases. */
  entries: z.array(entrySchema).min(1).max(100_000).describe("The file's non-blank, non-comment lines, in order."),
});

export type AttackList = z.output<typeof attackListSchema>;

export const attackDataSchema = z.strictObject({
  lists: z.strictObject({
    attack_tools: attackListSchema,
    restricted_files: attackListSchema,
    os_files: attackListSchema,
  }),
});

export type AttackData = z.output<typeof attackDataSchema>;

/** Validates attack data (a file's parsed JSON); throws ERR_DETECTOR_CONFIG listing every problem. */
export function parseAttackData(raw: unknown, origin = 'attack signature data'): AttackData {
  return parseOrThrow(attackDataSchema, raw, origin);
}

/** The data shipped with the package. */
export function defaultAttackDataPath(): string {
  return join(detectorsPackageRoot(), 'data', 'attack-signatures.json');
}

const cache = new Map<string, { stamp: string; data: AttackData }>();

/**
 * Reads and validates an attack data file (default: the shipped one). Boot-time I/O only; the
 * result is cached per path until the file's size or modification time changes.
 */
export function loadAttackData(path: string | null = null): AttackData {
  const file = path ?? defaultAttackDataPath();
  let stamp: string;
  let text: string;
  try {
    const stat = statSync(file);
    stamp = `${stat.size}:${stat.mtimeMs}`;
    const cached = cache.get(file);
    if (cached !== undefined && cached.stamp === stamp) return cached.data;
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `cannot read attack signature data ${file}: ${(cause as Error).message}`, { cause });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `attack signature data ${file} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const data = parseAttackData(raw, `attack signature data ${file}`);
  if (cache.size > 16) cache.clear();
  cache.set(file, { stamp, data });
  return data;
}

/**
 * Entries of a CRS data file (`@pmFromFile` format): every line that is neither blank nor a
 * comment (`#` first), trimmed, in order. Throws on a file without entries (an HTML error page,
 * an empty body), so a bad download never empties a list.
 */
export function parseCrsDataFile(text: string, origin: string): string[] {
  const entries: string[] = [];
  for (const line of text.split('\n')) {
    const entry = line.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    if (entry.length > 256) throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `${origin}: a line of ${entry.length} characters is no CRS data entry`);
    entries.push(entry);
  }
  if (entries.length === 0) throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `${origin}: no entries (not a CRS data file?)`);
  if (entries.some((entry) => entry.startsWith('<') && /<\/?(?:html|head|body)\b/i.test(entry))) {
    throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `${origin}: looks like an HTML page, not a CRS data file`);
  }
  return entries;
}
