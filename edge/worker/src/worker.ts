/**
 * botsieve's Cloudflare Worker, in front of the origin:
 *
 * 1. forwards Bot Management's answer for the request to the origin as headers (headers.ts,
 *    names from core's EDGE_HEADERS), after deleting any client-sent copies, with the shared
 *    EDGE_TOKEN that lets the origin believe them;
 * 2. ships the request's metadata to ingest's `POST /events` in batches (shipper.ts), off the
 *    request's path (ctx.waitUntil);
 * 3. with ENFORCE=on, answers 403 to clients with an active block verdict, and treats a challenge
 *    verdict per CHALLENGE_MODE (enforcer.ts).
 *
 * State is per isolate (module scope), made at an isolate's first request: the configuration,
 * the metadata buffer and the verdict set. Isolates are many and short-lived; see the README.
 */
import { CLOUDFLARE_HEADERS, EDGE_HEADERS } from '@botsieve/core';
import { EdgeConfigError, parseWorkerConfig, type WorkerConfig, type WorkerEnv } from './config.js';
import { Enforcer } from './enforcer.js';
import { setEdgeHeaders, type EdgeCf } from './headers.js';
import { toRecord, type EdgeOutcome } from './record.js';
import { EventShipper } from './shipper.js';
import type { VerdictMatch } from './verdict-set.js';

/** The part of the Workers ExecutionContext the Worker uses. */
interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

interface IsolateState {
  config: WorkerConfig;
  shipper: EventShipper | null;
  enforcer: Enforcer | null;
  statsToken: string | null;
}

/** Path of this isolate's counters (JSON), answered only when STATS_TOKEN is set and sent as `authorization`. */
const STATS_PATH = '/.well-known/botsieve/edge-stats';

let state: IsolateState | EdgeConfigError | null = null;

function isolateState(env: WorkerEnv): IsolateState | EdgeConfigError {
  if (state !== null) return state;
  try {
    const config = parseWorkerConfig(env);
    state = {
      config,
      shipper: config.ingest === null ? null : new EventShipper(config.ingest),
      enforcer: config.enforce === null ? null : new Enforcer(config.enforce),
      statsToken: env.STATS_TOKEN === undefined || env.STATS_TOKEN === '' ? null : env.STATS_TOKEN,
    };
  } catch (error) {
    if (!(error instanceof EdgeConfigError)) throw error;
    console.error(`botsieve edge: ${error.message}`);
    state = error;
  }
  return state;
}

function blockPage(request: Request, match: VerdictMatch): Response {
  const ray = request.headers.get(CLOUDFLARE_HEADERS.ray) ?? '';
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>Access denied</title></head><body><h1>Access denied</h1><p>This request was ${match.action === 'block' ? 'blocked' : 'refused pending verification'} as automated traffic.</p><p>Ray ID: ${ray.replace(/[^0-9A-Za-z-]/g, '')}</p></body></html>`;
  return new Response(body, { status: 403, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', [EDGE_HEADERS.action]: match.action } });
}

async function toOrigin(request: Request, url: URL, config: WorkerConfig, cf: EdgeCf | undefined, match: VerdictMatch | null): Promise<EdgeOutcome> {
  const headers = new Headers(request.headers);
  setEdgeHeaders(headers, cf, config.edge_token);
  // On a same-zone subrequest Cloudflare sets the origin's CF-Connecting-IP from x-real-ip, which
  // a Worker can alter: pin it to the address Cloudflare gave this request, never a client's copy.
  const clientIp = request.headers.get(CLOUDFLARE_HEADERS.connecting_ip);
  if (clientIp !== null && clientIp !== '') headers.set('x-real-ip', clientIp);
  else headers.delete('x-real-ip');
  if (match !== null) headers.set(EDGE_HEADERS.action, match.action);
  const target = config.origin === null ? url : new URL(url.pathname + url.search, config.origin);
  const started = Date.now();
  try {
    const response = await fetch(target.href, { method: request.method, headers, body: request.body, redirect: 'manual' });
    return { status: response.status, response, origin: { status: response.status, duration_ms: Date.now() - started } };
  } catch (error) {
    console.error(`botsieve edge: origin unreachable (${(error as Error).message})`);
    return { status: 502, response: new Response('origin unreachable', { status: 502 }), origin: { status: 0, duration_ms: Date.now() - started } };
  }
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: WorkerContext): Promise<Response> {
    const startMs = Date.now();
    const isolate = isolateState(env);
    if (isolate instanceof EdgeConfigError) {
      return new Response(JSON.stringify({ error: isolate.code, message: isolate.message }), { status: 500, headers: { 'content-type': 'application/json' } });
    }
    const url = new URL(request.url);
    if (url.pathname === STATS_PATH && isolate.statsToken !== null && request.headers.get('authorization') === isolate.statsToken) {
      const stats = { shipper: isolate.shipper?.stats() ?? null, enforcer: isolate.enforcer?.stats() ?? null };
      return new Response(JSON.stringify(stats), { headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
    }
    const cf = (request as Request & { cf?: EdgeCf }).cf;
    const bot = cf?.botManagement !== null && typeof cf?.botManagement === 'object' ? cf.botManagement : undefined;

    let match: VerdictMatch | null = null;
    const enforcer = isolate.enforcer;
    if (enforcer !== null) {
      const first = enforcer.neverRefreshed;
      const refresh = enforcer.refreshIfDue();
      if (refresh !== null) {
        if (first && isolate.config.enforce?.wait_for_first_refresh === true) await refresh;
        else ctx.waitUntil(refresh);
      }
      const ip = request.headers.get(CLOUDFLARE_HEADERS.connecting_ip) ?? '';
      const client = { ip, asn: typeof cf?.asn === 'number' ? cf.asn : null, ja4: typeof bot?.ja4 === 'string' ? bot.ja4 : null, user_agent: request.headers.get('user-agent') ?? '' };
      match = enforcer.decide(client, typeof bot?.verifiedBot === 'boolean' ? bot.verifiedBot : undefined);
    }

    const refused = match !== null && (match.action === 'block' || isolate.config.enforce?.challenge_mode === 'block');
    const outcome: EdgeOutcome = refused && match !== null
      ? { status: 403, response: blockPage(request, match), origin: null }
      : await toOrigin(request, url, isolate.config, cf, match);

    if (isolate.shipper !== null) {
      const record = toRecord(request, url, cf, startMs, outcome);
      if (record !== null) isolate.shipper.add(record, (promise) => ctx.waitUntil(promise));
    }
    return outcome.response;
  },
};
