/**
 * Cloudflare's edge ranges, shipped as data (`origin/data/cloudflare-ips.json`): the TCP peers
 * whose `CF-Connecting-IP` is believed. Loading validates exactly as a refresh does, so a file
 * that loads is one a refresh could have written, and the reverse.
 *
 * Strict on purpose: these ranges decide whose word on the client address is taken. An entry
 * that is not a CIDR of its list's family, an IPv4-mapped IPv6 range, or a range wider than /8
 * (IPv4) or /16 (IPv6) is refused: a list holding `0.0.0.0/0` would let anyone name their
 * own address. Cloudflare's widest published range is a /13 (IPv4) and a /29 (IPv6).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CidrSet, formatCidr, parseCidr } from '@botsieve/core';
import { cloudflareIpsError } from '../errors.js';

export interface CloudflareIpsData {
  /** Where each list is published. */
  sources: { ipv4: string; ipv6: string };
  /** When the lists were fetched (ISO 8601). */
  fetched_at: string;
  provenance: string;
  /** Canonical CIDRs, in the publisher's order. */
  ipv4: string[];
  ipv6: string[];
}

export const CLOUDFLARE_IPS_SOURCES = Object.freeze({ ipv4: 'https://www.cloudflare.com/ips-v4', ipv6: 'https://www.cloudflare.com/ips-v6' });

/** Widest range accepted per family (prefix length at least this). */
const NARROWEST_ALLOWED_BITS = { 4: 8, 6: 16 } as const;
/** More entries than any plausible edge list: a sign of the wrong document. */
const MAX_ENTRIES = 1_000;

/** The file shipped with the package. */
export function defaultCloudflareIpsPath(): string {
  return fileURLToPath(new URL('../../data/cloudflare-ips.json', import.meta.url));
}

/**
 * The CIDRs of one published list (one per line, LF or CR LF, blank lines skipped), canonical,
 * duplicates dropped. Throws ERR_ORIGIN_CLOUDFLARE_IPS on an HTML page, an empty list, or any
 * line that is not a CIDR of `family` within the width bound, naming the line.
 */
export function parseCloudflareList(text: string, family: 4 | 6, origin: string): string[] {
  if (text.trimStart().startsWith('<')) throw cloudflareIpsError(`${origin}: looks like an HTML page, not a list of CIDRs`, false);
  const seen = new Set<string>();
  const cidrs: string[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    checkEntry(line, family, `${origin}: line ${i + 1}`);
    const canonical = formatCidr(parseCidr(line, 'as-ipv6')!);
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    cidrs.push(canonical);
  }
  if (cidrs.length === 0) throw cloudflareIpsError(`${origin}: no CIDRs (empty list)`, false);
  if (cidrs.length > MAX_ENTRIES) throw cloudflareIpsError(`${origin}: ${cidrs.length} entries, more than the ${MAX_ENTRIES} a Cloudflare list could hold`, false);
  return cidrs;
}

function checkEntry(entry: unknown, family: 4 | 6, where: string): void {
  const shown = JSON.stringify(typeof entry === 'string' ? entry.slice(0, 120) : entry);
  if (typeof entry !== 'string' || !entry.includes('/')) throw cloudflareIpsError(`${where} is not a CIDR (address/length): ${shown}`, false);
  const range = parseCidr(entry, 'as-ipv6');
  if (range === null) throw cloudflareIpsError(`${where} is not a CIDR: ${shown}`, false);
  if (range.version !== family) throw cloudflareIpsError(`${where} is an IPv${range.version} range in the IPv${family} list: ${shown}`, false);
  if (family === 6 && entry.toLowerCase().includes('::ffff:')) throw cloudflareIpsError(`${where} is an IPv4-mapped range: ${shown}`, false);
  if (range.bits < NARROWEST_ALLOWED_BITS[family]) {
    throw cloudflareIpsError(`${where} is wider than /${NARROWEST_ALLOWED_BITS[family]} (refused: it would trust a large part of the internet): ${shown}`, false);
  }
}

/** Validates a parsed data file; throws ERR_ORIGIN_CLOUDFLARE_IPS naming what is wrong. */
export function parseCloudflareIps(value: unknown, origin: string): CloudflareIpsData {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw cloudflareIpsError(`${origin}: expected a JSON object`, false);
  const record = value as Record<string, unknown>;
  const sources = record.sources as Record<string, unknown> | undefined;
  if (typeof sources !== 'object' || sources === null || typeof sources.ipv4 !== 'string' || typeof sources.ipv6 !== 'string') {
    throw cloudflareIpsError(`${origin}: "sources" must be {"ipv4": URL, "ipv6": URL}`, false);
  }
  if (typeof record.fetched_at !== 'string' || Number.isNaN(Date.parse(record.fetched_at))) throw cloudflareIpsError(`${origin}: "fetched_at" must be an ISO date`, false);
  if (typeof record.provenance !== 'string') throw cloudflareIpsError(`${origin}: "provenance" must be a string`, false);
  const lists: Record<'ipv4' | 'ipv6', string[]> = { ipv4: [], ipv6: [] };
  for (const [key, family] of [['ipv4', 4], ['ipv6', 6]] as const) {
    const list = record[key];
    if (!Array.isArray(list) || list.length === 0) throw cloudflareIpsError(`${origin}: "${key}" must be a non-empty array of CIDRs`, false);
    list.forEach((entry, index) => checkEntry(entry, family, `${origin}: ${key}[${index}]`));
    lists[key] = list as string[];
  }
  const known = new Set(['sources', 'fetched_at', 'provenance', 'ipv4', 'ipv6']);
  const unknown = Object.keys(record).filter((key) => !known.has(key));
  if (unknown.length > 0) throw cloudflareIpsError(`${origin}: unknown keys ${unknown.join(', ')}`, false);
  return { sources: { ipv4: sources.ipv4, ipv6: sources.ipv6 }, fetched_at: record.fetched_at, provenance: record.provenance, ipv4: lists.ipv4, ipv6: lists.ipv6 };
}

/** Reads and validates a data file (default: the shipped one). */
export function loadCloudflareIps(path: string = defaultCloudflareIpsPath()): CloudflareIpsData {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw cloudflareIpsError(`cannot read the Cloudflare ranges from ${path}: ${(cause as Error).message}`, false, cause);
  }
  return parseCloudflareIps(value, path);
}

/** The edge ranges as a lookup set. */
export function cloudflareIpSet(data: CloudflareIpsData = loadCloudflareIps()): CidrSet {
  return new CidrSet([...data.ipv4, ...data.ipv6]);
}
