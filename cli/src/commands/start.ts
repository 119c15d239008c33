/** `botsieve start`: run the pipeline until SIGTERM/SIGINT, then drain and exit. */
import { BotsieveError } from '@botsieve/core';
import { Telemetry } from '@botsieve/runtime';
import { loadConfig } from '../config.js';
import { ALL_ROLES, Pipeline, type Role } from '../pipeline.js';

export const START_OPTIONS = {
  config: { type: 'string' },
  bus: { type: 'string' },
  brokers: { type: 'string' },
  role: { type: 'string' },
  port: { type: 'string' },
  'admin-port': { type: 'string' },
  'decide-port': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export interface StartFlags {
  config?: string | undefined;
  bus?: string | undefined;
  brokers?: string | undefined;
  role?: string | undefined;
  port?: string | undefined;
  'admin-port'?: string | undefined;
  'decide-port'?: string | undefined;
  'log-level'?: string | undefined;
}

export async function startCommand(flags: StartFlags): Promise<number> {
  const config = loadConfig({ file: flags.config, env: process.env, flags: flagsToConfig(flags) });
  const roles = parseRoles(flags.role);
  if (config.bus.kind === 'embedded' && roles.length !== ALL_ROLES.length) {
    throw new BotsieveError('ERR_CLI_USAGE', `--role ${flags.role} needs a shared bus: add --bus kafka --brokers HOST:PORT (the embedded bus lives inside one process)`);
  }
  const telemetry = new Telemetry({ level: config.log_level });
  const pipeline = new Pipeline(config, { roles, telemetry });
  try {
    await pipeline.start();
  } catch (error) {
    // Whatever did start (consumers, servers) would keep the process alive: stop it first.
    await pipeline.stop(5_000, 0).catch(() => undefined);
    throw error;
  }
  const lines = [`botsieve running (${roles.join(', ')}) on the ${config.bus.kind} bus`];
  if (pipeline.ingestPort !== undefined) {
    const base = `http://localhost:${pipeline.ingestPort}`;
    lines.push(`  Logpush destination  POST ${base}/logpush`, `  origin events        POST ${base}/events`, `  live stream          ws://localhost:${pipeline.ingestPort}/stream`);
    if (pipeline.ingestFallback !== undefined) lines.push(`  ingest server        node:http (no uWebSockets.js build loads on Node ${process.versions.node}; see the README)`);
  }
  if (pipeline.decidePort !== undefined) {
    lines.push(`  decisions            GET http://localhost:${pipeline.decidePort}/v1/decision`, `  verdict stream       GET http://localhost:${pipeline.decidePort}/v1/verdicts/stream`);
    if (pipeline.decideFallback !== undefined) lines.push(`  decision server      node:http (no uWebSockets.js build loads on Node ${process.versions.node})`);
  }
  lines.push(...adminLines(pipeline.adminHost ?? config.admin.host, pipeline.adminPort ?? config.admin.port, config.admin.auth), '  stop with Ctrl-C (drains in-flight uploads first)');
  process.stderr.write(`${lines.join('\n')}\n`);

  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        process.stderr.write(`botsieve: second ${signal}, exiting without draining\n`);
        process.exit(130);
      }
      process.stderr.write(`botsieve: ${signal}, draining…\n`);
      pipeline.stop().then(
        () => resolve(0),
        (error: Error) => {
          process.stderr.write(`botsieve: shutdown failed: ${error.message}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    // SIGHUP: re-read the configuration and apply detector thresholds without a restart.
    process.on('SIGHUP', () => {
      try {
        pipeline.reconfigure(loadConfig({ file: flags.config, env: process.env, flags: flagsToConfig(flags) }));
        process.stderr.write('botsieve: SIGHUP, detector configuration reloaded\n');
      } catch (error) {
        process.stderr.write(`botsieve: SIGHUP, configuration NOT reloaded: ${(error as Error).message}\n`);
      }
    });
  });
}

/**
 * The banner's admin lines: the address the server is bound to (a wildcard says so: it is where
 * it listens, not where to point a browser) and, when a token is set, where it goes (never the token).
 */
export function adminLines(host: string, port: number, auth: { header: string; token: string | null }): string[] {
  const wildcard = host === '0.0.0.0' || host === '::';
  const lines = [`  admin                http://${host.includes(':') ? `[${host}]` : host}:${port}/{healthz,readyz,metrics,verdicts,sinks}${wildcard ? ' (every interface)' : ''}`];
  if (auth.token !== null) lines.push(`                       token required in the ${auth.header} header, except on healthz and readyz`);
  return lines;
}

function parseRoles(value: string | undefined): Role[] {
  if (value === undefined || value === 'all') return [...ALL_ROLES];
  const roles = value.split(',').map((role) => role.trim());
  for (const role of roles) {
    if (!(ALL_ROLES as readonly string[]).includes(role)) throw new BotsieveError('ERR_CLI_USAGE', `unknown role '${role}': expected all, ${ALL_ROLES.join(', ')}`);
  }
  return roles as Role[];
}

function flagsToConfig(flags: StartFlags): Record<string, unknown> {
  const out: Record<string, Record<string, unknown> | string> = {};
  const section = (name: string) => (out[name] ??= {}) as Record<string, unknown>;
  if (flags.bus !== undefined) section('bus').kind = flags.bus;
  if (flags.brokers !== undefined) {
    section('bus').kind = flags.bus ?? 'kafka';
    section('bus').kafka = { brokers: flags.brokers };
  }
  if (flags.port !== undefined) section('ingest').port = toPort(flags.port, '--port');
  if (flags['admin-port'] !== undefined) section('admin').port = toPort(flags['admin-port'], '--admin-port');
  if (flags['decide-port'] !== undefined) section('decide').port = toPort(flags['decide-port'], '--decide-port');
  if (flags['log-level'] !== undefined) out.log_level = flags['log-level'];
  return out;
}

function toPort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new BotsieveError('ERR_CLI_USAGE', `${flag} must be a port number, got '${value}'`);
  return port;
}
