/**
 * Where `/metrics` is served, through a real `botsieve start`: only on the admin port, behind
 * admin.auth.token when one is set; the public ingest port and the decision port answer 404.
 * The exposition carries the Node.js process metrics (CPU, heap, event-loop lag, GC).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/botsieve.js', import.meta.url));
const TOKEN = 'Bearer metrics-test-token';

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('/metrics is served on the admin port only, behind the admin token, with the process metrics', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'botsieve-metrics-'));
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--admin-port', '0', '--decide-port', '0', '--log-level', 'warn'], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, BOTSIEVE_ADMIN__AUTH__TOKEN: TOKEN },
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const [ingestPort, adminPort, decidePort] = await until('the start banner', () => {
    const ingest = /POST http:\/\/localhost:(\d+)\/logpush/.exec(stderr);
    const admin = /admin\s+http:\/\/[^/\s]+:(\d+)\//.exec(stderr);
    const decide = /decisions\s+GET http:\/\/localhost:(\d+)\/v1\/decision/.exec(stderr);
    return ingest && admin && decide ? [Number(ingest[1]), Number(admin[1]), Number(decide[1])] : undefined;
  }, 30_000);

  t.is((await fetch(`http://127.0.0.1:${ingestPort}/metrics`)).status, 404, 'the public ingest port serves no metrics');
  t.is((await fetch(`http://127.0.0.1:${ingestPort}/metrics`, { headers: { authorization: TOKEN } })).status, 404, 'not even with the admin token');
  t.is((await fetch(`http://127.0.0.1:${decidePort}/metrics`)).status, 404, 'the decision port serves no metrics');

  t.is((await fetch(`http://127.0.0.1:${adminPort}/metrics`)).status, 401, 'the admin port wants the token');
  const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { headers: { authorization: TOKEN } });
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_gc_duration_seconds', 'botsieve_received_total']) {
    t.regex(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }

  child.kill('SIGTERM');
  t.is(await exited, 0);
});
