/**
 * Hosting networks: autonomous systems of clouds, hosting providers and data centres, shipped as
 * data (`detectors/data/hosting-asns.json`, X4BNet's datacenter ASN list; its provenance is in
 * the file). People browse from consumer lines, carriers and offices; what runs in a data centre
 * is software, and a headless browser there renders pages as a person's would. So on these
 * networks rendering and app-like requests are not evidence of people for the collateral guard
 * (successful logins still are: a person on a VPN logs in). The cost, said plainly: a person
 * whose VPN exits in a listed cloud shares its fate while an attack from that cloud is enforced
 * there (population verdicts are short: fusion's `population_ttl_ms`, the flood detectors' TTL
 * hints), unless the per-address guard (shared addresses) or the safelist covers them.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';
import { detectorsPackageRoot } from '../package-root.js';

export interface HostingNetworksData {
  repository: string;
  path: string;
  commit: string;
  license: string;
  fetched_at: string;
  provenance: string;
  asns: number[];
}

export function defaultHostingNetworksPath(): string {
  return join(detectorsPackageRoot(), 'data', 'hosting-asns.json');
}

/** The list last read from each file, with the file's modification time then. */
const loaded = new Map<string, { mtimeMs: number; asns: ReadonlySet<number> }>();

/** Reads and checks a hosting-networks file; throws naming the file and the bad entry. */
export function loadHostingNetworks(path: string): HostingNetworksData {
  return parseHostingNetworks(JSON.parse(readFileSync(path, 'utf8')), path);
}

/**
 * Checks hosting-networks data (a file's JSON, or what `botsieve hosting-networks refresh` is about
 * to write): where it came from, and AS numbers. Throws ERR_DETECTOR_CONFIG naming `origin` and
 * the bad field or entry.
 */
export function parseHostingNetworks(raw: unknown, origin: string): HostingNetworksData {
  const fail = (why: string) => new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `${origin}: ${why}`);
  if (typeof raw !== 'object' || raw === null) throw fail('expected an object');
  const data = raw as HostingNetworksData;
  for (const field of ['repository', 'path', 'commit', 'license', 'fetched_at', 'provenance'] as const) {
    if (typeof data[field] !== 'string' || data[field] === '') throw fail(`"${field}" must be a non-empty string`);
  }
  // The refresh builds its URLs from `repository`; `commit` names exactly what was read.
  if (!/^[\w.-]+\/[\w.-]+$/.test(data.repository)) throw fail(`"repository" ${data.repository} is not owner/name`);
  if (!/^[0-9a-f]{40}$/.test(data.commit)) throw fail(`"commit" ${data.commit} is not 40 lower-case hex digits`);
  if (!Array.isArray(data.asns)) throw fail('"asns" must be an array of AS numbers');
  for (const asn of data.asns) if (!Number.isInteger(asn) || asn <= 0 || asn > 0xffffffff) throw fail(`${String(asn)} is not an AS number`);
  return data;
}

/**
 * The list in `path` (default: the shipped one), plus `extra`, minus `except`. The file is read
 * again only when its modification time changed since the last read, so a running pipeline picks
 * up `botsieve hosting-networks refresh` at its next reload (SIGHUP builds the guard's config
 * again) and costs one stat otherwise. A file that fails to load throws; the caller keeps its set.
 */
export function hostingAsns(extra: readonly number[] = [], except: readonly number[] = [], path: string = defaultHostingNetworksPath()): ReadonlySet<number> {
  const mtimeMs = statSync(path).mtimeMs;
  let entry = loaded.get(path);
  if (entry === undefined || entry.mtimeMs !== mtimeMs) {
    entry = { mtimeMs, asns: new Set(loadHostingNetworks(path).asns) };
    loaded.set(path, entry);
  }
  const shipped = entry.asns;
  if (extra.length === 0 && except.length === 0) return shipped;
  const set = new Set(shipped);
  for (const asn of extra) set.add(asn);
  for (const asn of except) set.delete(asn);
  return set;
}
