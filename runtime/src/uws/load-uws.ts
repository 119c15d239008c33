/**
 * Finds a uWebSockets.js build that loads on the running Node and platform.
 *
 * uWebSockets.js ships one native binary per Node ABI, platform and architecture, built against
 * one glibc; the official project publishes on GitHub only. The registry build we depend on is
 * uws-pack@20.0.8 (Node ABIs 108/115/120/127 = Node 18–22, glibc >= 2.27), a repack whose wrapper,
 * typings and native exports match an official v20 release (the provenance check is in the README,
 * "Node versions and the ingest server"). @btc-vision/uwebsockets.js, the one registry build for
 * Node 24, is left out on purpose: its binaries add App methods no official source has.
 *
 * Candidates are imported in turn; importing one whose binary does not load throws, and the next
 * is tried. When none loads, each server that uses uWS (ingest, the decision server) falls back to
 * node:http and logs the reasons collected here once.
 *
 * It lives in runtime, the package both servers already depend on, so that one loader (one
 * candidate list, one provenance decision) serves every tier. The candidates are resolved from
 * this package (runtime depends on uws-pack), so every caller gets the same build.
 */
import type * as UwsModule from 'uws-pack';

export type Uws = typeof UwsModule;

export interface UwsLoad {
  /** The loaded module, or null when no candidate loads here. */
  uws: Uws | null;
  /** The package it came from (`name@version`), or null. */
  source: string | null;
  /** Why each candidate that was tried did not load. */
  failures: string[];
}

const CANDIDATES = ['uws-pack'] as const;

let loading: Promise<UwsLoad> | undefined;

/** Loads the first candidate that works (once per process). */
export function loadUws(): Promise<UwsLoad> {
  loading ??= tryCandidates();
  return loading;
}

async function tryCandidates(): Promise<UwsLoad> {
  const failures: string[] = [];
  for (const name of CANDIDATES) {
    try {
      const imported = (await import(name)) as Uws & { default?: Uws };
      // uws-pack has named exports only; the CommonJS builds arrive as a default export.
      const uws = typeof imported.App === 'function' ? imported : imported.default;
      if (uws === undefined || typeof uws.App !== 'function' || typeof uws.us_listen_socket_close !== 'function') {
        failures.push(`${name}: loaded, but without the uWebSockets.js v20 API (App, us_listen_socket_close)`);
        continue;
      }
      return { uws, source: `${name}@${await packageVersion(name)}`, failures };
    } catch (error) {
      failures.push(`${name}: ${firstLine(error)}`);
    }
  }
  return { uws: null, source: null, failures };
}

async function packageVersion(name: string): Promise<string> {
  try {
    const { readFile } = await import('node:fs/promises');
    const { dirname, join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    // The packages' export maps hide package.json; walk up from the resolved entry point.
    let dir = dirname(fileURLToPath(import.meta.resolve(name)));
    for (let depth = 0; depth < 4; depth++) {
      try {
        const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (manifest.name === name && typeof manifest.version === 'string') return manifest.version;
      } catch {
        // not at this level
      }
      dir = dirname(dir);
    }
  } catch {
    // unknown version
  }
  return 'unknown';
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  // uWS's own message is a generic banner; the loader's error (ABI or glibc) is the useful part.
  const specific = lines.find((line) => /GLIBC|Cannot find module|cannot open shared object|ERR_/.test(line));
  return (specific ?? lines[0] ?? 'failed to load').trim().slice(0, 300);
}
