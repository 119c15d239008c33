/**
 * Chooses the ingest server's transport: uWebSockets.js when a build loads here (or is required),
 * node:http otherwise.
 */
import { ingestError } from '../../errors.js';
import { loadUws, type UwsLoad } from '@botsieve/runtime';
import { NodeTransport } from './node-transport.js';
import type { HttpTransport, Routes } from './transport.js';
import { UwsTransport } from './uws-transport.js';

export type { Exchange, HttpTransport, RequestHead, Routes, ServerImplementation, StreamConnection, StreamHandlers } from './transport.js';

/** `auto`: uWebSockets.js if a build loads, else node:http; the others insist on one. */
export type HttpServerChoice = 'auto' | 'uwebsockets' | 'node';

export interface ChosenTransport {
  transport: HttpTransport;
  /** The uWS package used (`name@version`), or null on node:http. */
  source: string | null;
  /** Why uWebSockets.js is not used (auto fell back), or null. */
  fallback: string | null;
}

export async function createTransport<UserData>(choice: HttpServerChoice, routes: Routes<UserData>, load: () => Promise<UwsLoad> = loadUws): Promise<ChosenTransport> {
  if (choice === 'node') return { transport: new NodeTransport(routes), source: null, fallback: null };
  const loaded = await load();
  if (loaded.uws !== null) return { transport: new UwsTransport(loaded.uws, routes), source: loaded.source, fallback: null };
  const reasons = loaded.failures.join('; ');
  if (choice === 'uwebsockets') {
    throw ingestError('ERR_INGEST_SERVER_UNAVAILABLE', `ingest.http_server is "uwebsockets" but no uWebSockets.js build loads on Node ${process.versions.node} (${process.platform}-${process.arch}): ${reasons}`);
  }
  return { transport: new NodeTransport(routes), source: null, fallback: `no uWebSockets.js build loads on Node ${process.versions.node} (${process.platform}-${process.arch}): ${reasons}` };
}
