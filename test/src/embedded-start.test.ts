/**
 * The Quick start's run command as a user runs it: `botsieve start` on the embedded default, a
 * Logpush upload over a real socket, the verdict visible on the admin port, the bad line in the
 * dead-letter file, and a graceful exit on SIGTERM.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flood, gzipBatch, logpushLine, postLogpush, waitFor } from './test-support/logpush.js';

const BIN = fileURLToPath(new URL('../../cli/bin/botsieve.js', import.meta.url));

interface Started {
  child: ChildProcess;
  ingestPort: number;
  adminPort: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs `botsieve start` on free ports in `cwd` and waits for its banner. */
async function startBotsieve(t: ExecutionContext, cwd: string, logLevel: string, extra: string[] = [], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--admin-port', '0', '--decide-port', '0', '--log-level', logLevel, ...extra], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const [ingestPort, adminPort] = await waitFor('the start banner', () => {
    const ingest = /POST http:\/\/localhost:(\d+)\/logpush/.exec(stderr);
    const admin = /admin\s+http:\/\/[^/\s]+:(\d+)\//.exec(stderr);
    return ingest && admin ? [Number(ingest[1]), Number(admin[1])] : undefined;
  });
  return { child, ingestPort, adminPort, stderr: () => stderr, exited };
}

test('botsieve start runs every tier in one process and drains on SIGTERM', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'botsieve-start-'));
  const { child, ingestPort, adminPort, stderr, exited } = await startBotsieve(t, cwd, 'warn');

  const now = Date.now();
  const lines = [...flood('203.0.113.50', now - 3_000, 400, 3_000), logpushLine({ ip: '198.51.100.50', ts_ms: now }), 'this is not json'];
  const response = await postLogpush(ingestPort, gzipBatch(lines));
  t.is(response.status, 200);

  const verdicts = await waitFor('the verdict on the admin port', async () => {
    const body = (await (await fetch(`http://127.0.0.1:${adminPort}/verdicts`)).json()) as { verdicts: { subject: string; action: string }[] };
    return body.verdicts.some((v) => v.subject === 'ip:203.0.113.50' && v.action === 'block') ? body.verdicts : undefined;
  });
  t.false(verdicts.some((v) => v.subject === 'ip:198.51.100.50'));
  t.is((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status, 200);

  const deadletters = await waitFor('the dead-letter file', async () => {
    const text = await readFile(join(cwd, 'data', 'deadletter.ndjson'), 'utf8').catch(() => '');
    return text.includes('invalid_json') ? text : undefined;
  });
  t.is(deadletters.trim().split('\n').length, 1);

  // The embedded default's sinks: memory store, dead-letter file, Cloudflare in dry-run, local statistics.
  interface Status { sinks: { sink: string; written: number; failing_attempts: number }[]; cloudflare_lists: { dry_run: boolean; desired: number } }
  const status = await waitFor('the Cloudflare dry-run to hold the block', async () => {
    const body = (await (await fetch(`http://127.0.0.1:${adminPort}/sinks`)).json()) as Status;
    return body.cloudflare_lists.desired > 0 ? body : undefined;
  });
  t.true(status.cloudflare_lists.dry_run);
  t.deepEqual(status.sinks.map((sink) => sink.sink).sort(), ['cloudflare-lists', 'deadletter-file', 'local-statistics-traffic', 'local-statistics-traffic-verdict-feed', 'local-statistics-verdicts', 'memory-verdict-store']);
  t.true(status.sinks.every((sink) => sink.failing_attempts === 0));
  t.true((status.sinks.find((sink) => sink.sink === 'memory-verdict-store')?.written ?? 0) > 0);

  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.regex(stderr(), /draining/);

  // Shutdown stored the statistics and the verdict snapshot; a restart restores the verdicts.
  const trafficDir = join(cwd, 'data', 'statistics', 'traffic_1m');
  const traffic = (await Promise.all((await readdir(trafficDir)).map((name) => readFile(join(trafficDir, name), 'utf8')))).join('');
  const requests = traffic.trim().split('\n').reduce((sum, line) => sum + (JSON.parse(line) as { requests: number }).requests, 0);
  t.true(requests >= 401, `traffic rows count the upload (${requests})`);
  const again = await startBotsieve(t, cwd, 'warn');
  const restored = (await (await fetch(`http://127.0.0.1:${again.adminPort}/verdicts`)).json()) as { verdicts: { subject: string; action: string }[] };
  t.true(restored.verdicts.some((v) => v.subject === 'ip:203.0.113.50' && v.action === 'block'), 'restored from the snapshot');
  again.child.kill('SIGTERM');
  t.is(await again.exited, 0);
});

test('a port already in use is a clear error and the process exits instead of hanging', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'botsieve-start-'));
  const first = await startBotsieve(t, cwd, 'error');
  for (const [args, expected] of [
    [['--port', String(first.ingestPort), '--admin-port', '0'], /ERR_INGEST_LISTEN.*--port/],
    [['--port', '0', '--admin-port', String(first.adminPort)], /ERR_ADMIN_LISTEN.*--admin-port/],
  ] as const) {
    const second = spawn(process.execPath, [BIN, 'start', ...args, '--log-level', 'error'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    second.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    t.is(code, 1);
    t.regex(stderr, expected);
  }
  first.child.kill('SIGTERM');
  t.is(await first.exited, 0);
});

test('SIGHUP reloads detector thresholds without a restart; a bad file is refused and the old config kept', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'botsieve-reload-'));
  const file = join(cwd, 'botsieve.json');
  const detect = (block: number) => ({ detect: { detectors: [{ type: 'volumetric', id: 'volumetric', config: { baseline: { enabled: false }, subjects: { ip: { challenge_requests: block - 1, block_requests: block } } } }] } });
  await writeFile(file, JSON.stringify(detect(1_000)));
  const { child, ingestPort, adminPort, stderr } = await startBotsieve(t, cwd, 'warn', ['--config', file]);
  const blocked = async (ip: string) => {
    const body = (await (await fetch(`http://127.0.0.1:${adminPort}/verdicts`)).json()) as { verdicts: { subject: string; action: string }[] };
    return body.verdicts.some((v) => v.subject === `ip:${ip}` && v.action === 'block');
  };
  const now = Date.now();
  t.is((await postLogpush(ingestPort, gzipBatch(flood('203.0.113.60', now - 3_000, 200, 3_000)))).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  t.false(await blocked('203.0.113.60'), '200 requests are below the first threshold (1,000)');

  await writeFile(file, JSON.stringify(detect(100)));
  child.kill('SIGHUP');
  await waitFor('the reload message', () => (stderr().includes('detector configuration reloaded') ? true : undefined));
  t.is((await postLogpush(ingestPort, gzipBatch(flood('203.0.113.61', now - 3_000, 200, 3_000)))).status, 200);
  await waitFor('a block under the reloaded threshold', async () => ((await blocked('203.0.113.61')) ? true : undefined));

  await writeFile(file, '{"detect": {"detectors": [{"type": "crystal-ball", "id": "x"}]}}');
  child.kill('SIGHUP');
  await waitFor('the refusal', () => (stderr().includes('configuration NOT reloaded') ? true : undefined));
  t.regex(stderr(), /NOT reloaded: invalid botsieve configuration:\n\s+detect\.detectors\.0\.type/);
  t.is((await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status, 200, 'still running on the previous configuration');
  child.kill('SIGTERM');
});

test('SIGTERM during a slow 20 MB upload: the upload is answered 503 ERR_INGEST_DRAINING with Retry-After, not an empty reply, and the process exits', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'botsieve-drain-'));
  const { child, ingestPort, exited } = await startBotsieve(t, cwd, 'warn', [], { BOTSIEVE_INGEST__DRAIN_TIMEOUT_MS: '3000' });
  // 20 MB of plain NDJSON at about 1 MB/s: still arriving when the 3 s drain deadline comes.
  const line = `${logpushLine({ ip: '198.51.100.70', ts_ms: Date.now() })}\n`;
  const body = Buffer.from(line.repeat(Math.ceil((20 * 1024 * 1024) / line.length)));
  const req = request({ host: '127.0.0.1', port: ingestPort, method: 'POST', path: '/logpush', headers: { 'content-length': body.length }, agent: false });
  req.on('error', () => {});
  const answer = new Promise<{ status: number; retryAfter: string | undefined; text: string }>((resolve) => {
    let responded = false;
    req.on('response', (res) => {
      responded = true;
      let text = '';
      res.setEncoding('utf8').on('data', (part: string) => (text += part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] as string | undefined, text }));
    });
    req.on('close', () => {
      if (!responded) resolve({ status: 0, retryAfter: undefined, text: 'empty reply' });
    });
  });
  let sent = 0;
  const trickle = setInterval(() => {
    if (sent >= body.length) return;
    req.write(body.subarray(sent, sent + 64 * 1024));
    sent += 64 * 1024;
  }, 60);
  t.teardown(() => clearInterval(trickle));
  await waitFor('the upload under way', () => (sent >= 1024 * 1024 ? true : undefined));
  child.kill('SIGTERM');
  const result = await answer;
  clearInterval(trickle);
  t.is(result.status, 503, result.text);
  t.regex(result.text, /ERR_INGEST_DRAINING/);
  t.is(result.retryAfter, '5');
  t.true(sent < body.length, 'the body was still arriving');
  t.is(await exited, 0);
});

test('SIGTERM with shutdown.readiness_delay_ms: readiness fails first while uploads and decisions are still served, then ingest stops accepting and the process exits', async (t) => {
  const cwd = await mkdtemp(join(tmpdir(), 'botsieve-unready-'));
  // Long enough for the checks below to run inside it on a loaded machine.
  const delay_ms = 5_000;
  const { child, ingestPort, adminPort, stderr, exited } = await startBotsieve(t, cwd, 'info', [], { BOTSIEVE_SHUTDOWN__READINESS_DELAY_MS: String(delay_ms) });
  const decidePort = Number(/GET http:\/\/localhost:(\d+)\/v1\/decision/.exec(stderr())?.[1]);
  const status = async (url: string) => (await fetch(url)).status;
  await waitFor('every server ready', async () => ((await status(`http://127.0.0.1:${decidePort}/readyz`)) === 200 ? true : undefined));
  t.is(await status(`http://127.0.0.1:${ingestPort}/readyz`), 200);
  t.is(await status(`http://127.0.0.1:${adminPort}/readyz`), 200);

  const signalled = Date.now();
  child.kill('SIGTERM');
  await waitFor('ingest readiness failed', async () => ((await status(`http://127.0.0.1:${ingestPort}/readyz`)) === 503 ? true : undefined));
  t.is(await status(`http://127.0.0.1:${decidePort}/readyz`), 503);
  t.is(await status(`http://127.0.0.1:${adminPort}/readyz`), 503);
  // Still serving: an upload is accepted and acknowledged, a decision is answered.
  const upload = await postLogpush(ingestPort, gzipBatch([logpushLine({ ip: '198.51.100.80', ts_ms: Date.now() })]));
  t.is(upload.status, 200);
  t.like(await upload.json(), { accepted: 1 });
  const decision = await fetch(`http://127.0.0.1:${decidePort}/v1/decision?ip=198.51.100.80`);
  t.is(decision.status, 200);
  t.like(await decision.json(), { action: 'allow' });
  t.true(Date.now() - signalled < delay_ms, 'these answers came within the readiness delay');

  // Then ingest stops accepting: the listening socket is closed.
  await waitFor('ingest to stop accepting', () => fetch(`http://127.0.0.1:${ingestPort}/readyz`).then(() => undefined, () => true), delay_ms + 10_000);
  t.true(Date.now() - signalled >= delay_ms - 50, `stopped accepting after ${Date.now() - signalled} ms, not before the ${delay_ms} ms delay`);
  t.is(await exited, 0);
  const messages = stderr().split('\n').filter((line) => line.startsWith('{')).map((line) => (JSON.parse(line) as { message: string }).message);
  const unready = messages.findIndex((message) => message.startsWith('readiness failed; still serving'));
  t.true(unready >= 0 && unready < messages.indexOf('draining'), `readiness failed before the drain: ${messages.join(' | ')}`);
});
