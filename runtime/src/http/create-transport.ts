/**
 * Chooses a server's transport: uWebSockets.js when a build loads here (or is required),
 * node:http otherwise. The one place where `http_server` (ingest's and the decision service's)
 * turns into a transport.
 */
import { loadUws, type UwsLoad } from '../uws/index.js';
import { NodeTransport } from './node-transport.js';
import type { HttpTransport, Routes } from './transport.js';
import { UwsTransport } from './uws-transport.js';

/** `auto`: uWebSockets.js if a build loads, else node:http; the others insist on one. */
export type HttpServerChoice = 'auto' | 'uwebsockets' | 'node';

export interface ChosenTransport {
  transport: HttpTransport;
  /** The uWS package used (`name@version`), or null on node:http. */
  source: string | null;
  /** Why uWebSockets.js is not used (auto fell back), or null. */
  fallback: string | null;
}

export interface CreateTransportOptions {
  /** The server's own error (its code) for `uwebsockets` when no build loads; `reason` says why. */
  unavailable(reason: string): Error;
  /** Finds a uWebSockets.js build (tests replace it to force the fallback). */
  load?: () => Promise<UwsLoad>;
}

export async function createTransport<UserData>(choice: HttpServerChoice, routes: Routes<UserData>, options: CreateTransportOptions): Promise<ChosenTransport> {
  if (choice === 'node') return { transport: new NodeTransport(routes), source: null, fallback: null };
  const loaded = await (options.load ?? loadUws)();
  if (loaded.uws !== null) return { transport: new UwsTransport(loaded.uws, routes), source: loaded.source, fallback: null };
  const reason = `no uWebSockets.js build loads on Node ${process.versions.node} (${process.platform}-${process.arch}): ${loaded.failures.join('; ')}`;
  if (choice === 'uwebsockets') throw options.unavailable(reason);
  return { transport: new NodeTransport(routes), source: null, fallback: reason };
}
