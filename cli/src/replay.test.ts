import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/botsieve.js', import.meta.url));
const START = Date.parse('2026-11-01T12:00:00Z');

interface Line { RayID: string; action: string; score: number | null; subject: string | null; reasons: string[] }

/** 400 requests from one IP in 4 s, interleaved with 200 humans making 2 requests each. */
function traffic(): { lines: string[]; rays: string[] } {
  const lines: string[] = [];
  const rays: string[] = [];
  const push = (ip: string, ts: number) => {
    const ray = `ray${lines.length.toString(16).padStart(8, '0')}`;
    rays.push(ray);
    lines.push(JSON.stringify({ RayID: ray, EdgeStartTimestamp: Math.round(ts / 1000), ClientIP: ip, ClientASN: 64500, ClientRequestHost: 'shop.example', ClientRequestPath: '/p', ClientRequestURI: '/p', EdgeResponseStatus: 200 }));
  };
  for (let i = 0; i < 600; i += 1) {
    const ts = START + i * 10;
    if (i % 3 === 2) push(`198.51.${i % 200}.7`, ts);
    else push('203.0.113.9', ts);
  }
  return { lines, rays };
}

async function replay(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, 'replay', ...args], { maxBuffer: 64 << 20 });
}

test('replay --annotate prints exactly one line per event, in input order, causally', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-replay-'));
  const { lines, rays } = traffic();
  const file = join(dir, 'batch.ndjson');
  // A bad line in the middle is skipped and counted, not printed and not fatal.
  await writeFile(file, `${lines.slice(0, 300).join('\n')}\nnot json\n${lines.slice(300).join('\n')}\n`);
  const { stdout, stderr } = await replay(['--annotate', file]);
  const out = stdout.trim().split('\n').map((line) => JSON.parse(line) as Line);
  t.is(out.length, lines.length);
  t.deepEqual(out.map((line) => line.RayID), rays);
  t.deepEqual(Object.keys(out[0] ?? {}), ['RayID', 'action', 'score', 'subject', 'reasons']);
  t.regex(stderr, /invalid_json=1/);

  const flood = out.filter((_, i) => i % 3 !== 2);
  t.is(flood[0]?.action, 'allow');
  const firstChallenge = flood.findIndex((line) => line.action === 'challenge');
  const firstBlock = flood.findIndex((line) => line.action === 'block');
  // Default volumetric floors per IP: challenge at 100 requests per 10 s, block at 300. The flood
  // sends ~67 a second; a step's summary is judged when the step ends (event time), so the
  // verdict covers the flood from the first request of the next step: within 67 requests.
  t.true(firstChallenge >= 100 && firstChallenge <= 167, `first challenge at flood request ${firstChallenge}`);
  t.true(firstBlock >= 300 && firstBlock <= 367, `first block at flood request ${firstBlock}`);
  t.is(flood[firstBlock]?.subject, 'ip:203.0.113.9');
  t.deepEqual(flood[firstBlock]?.reasons, ['volumetric']);
  t.true((flood[firstBlock]?.score ?? 99) <= 10);
  // Humans sharing the time window are untouched.
  t.true(out.filter((_, i) => i % 3 === 2).every((line) => line.action === 'allow' && line.score === null));
});

test('replay reads gzip files and prints verdicts as NDJSON', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-replay-'));
  const file = join(dir, 'batch.log.gz');
  await writeFile(file, gzipSync(`${traffic().lines.join('\n')}\n`));
  const { stdout } = await replay([file]);
  const verdicts = stdout.trim().split('\n').map((line) => JSON.parse(line) as { subject: string; action: string; decided_at: number });
  t.true(verdicts.length >= 2);
  const ip = verdicts.filter((v) => v.subject === 'ip:203.0.113.9');
  t.deepEqual(ip.map((v) => v.action), ['challenge', 'block']);
  // No human address or network got a verdict.
  t.false(verdicts.some((v) => v.subject.startsWith('ip:198.51.') || v.subject.startsWith('prefix:198.51.')));
});

test('replay without files is a usage error', async (t) => {
  const error = await t.throwsAsync(replay([]));
  t.regex(String((error as { stderr?: string }).stderr), /ERR_CLI_USAGE/);
});
