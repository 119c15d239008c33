/**
 * `botsieve simulate` then `botsieve eval`, end to end through the real binary on a small run in
 * a temp dir, and the same for worlds (`simulate --world`, `eval --worlds`). Checks the commands
 * work and the reports are complete and well formed; not that the targets are met (the detectors
 * are judged by the numbers, not by this test).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { ALL_CLASSES, TRAFFIC_CLASSES, WORLD_CLASSES } from '@botsieve/simulator';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/botsieve.js', import.meta.url));

async function botsieve(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 });
}

interface Row {
  class: string;
  aggregate: boolean;
  requests: number;
  engine: { mitigated_share: number; blocked_share: number; challenged_share: number; first_mitigation_s: number | null };
  baseline: { mitigated_share: number };
  engine_result: { met: boolean | null; misses: string[] } | null;
}

test('simulate writes events and labels; eval scores every class', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-simulate-'));
  const events = join(dir, 'events.ndjson.gz');
  const labels = join(dir, 'labels.ndjson');
  const simulated = await botsieve(['simulate', '--out', events, '--labels', labels, '--duration-s', '60', '--scale', '0.1', '--seed', '7']);
  t.regex(simulated.stderr, /simulate: [\d,]+ requests over 01:00 \(seed 7, scale 0\.1, Bot Management on\)/);

  const lines = gunzipSync(await readFile(events)).toString('utf8').trim().split('\n');
  const labelLines = (await readFile(labels, 'utf8')).trim().split('\n');
  t.is(lines.length, labelLines.length);
  const first = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  const label = JSON.parse(labelLines[0] ?? '{}') as Record<string, unknown>;
  t.deepEqual(Object.keys(label), ['RayID', 'class', 'actor']);
  t.is(label.RayID, first.RayID);
  t.is(typeof first.BotScore, 'number');

  const { stdout } = await botsieve(['eval', '--events', events, '--labels', labels, '--json']);
  const { report, engine } = JSON.parse(stdout) as { report: { requests: number; classes: Row[]; targets_met: boolean; missed: string[] }; engine: { events: number; events_per_s: number; unlabelled: number } };
  t.is(engine.events, lines.length);
  t.is(engine.unlabelled, 0);
  t.true(engine.events_per_s > 0);
  t.is(report.requests, lines.length);
  const names = report.classes.map((row) => row.class);
  for (const cls of [...TRAFFIC_CLASSES, 'humans']) t.true(names.includes(cls), cls);
  t.is(report.classes.filter((row) => !row.aggregate).reduce((sum, row) => sum + row.requests, 0), lines.length);
  for (const row of report.classes) {
    t.true(row.requests > 0, `${row.class} has no requests`);
    for (const share of [row.engine.mitigated_share, row.engine.blocked_share, row.engine.challenged_share, row.baseline.mitigated_share]) t.true(share >= 0 && share <= 1);
  }
  t.is(report.targets_met, report.missed.length === 0);

  const text = await botsieve(['eval', '--events', events, '--labels', labels]);
  for (const cls of TRAFFIC_CLASSES) t.regex(text.stdout, new RegExp(`^${cls} `, 'm'));
  t.regex(text.stdout, /^engine: [\d,]+ events, [\d,]+ verdicts, [\d.]+ s in the detectors \([\d,]+ events\/s\)/m);

  const markdown = await botsieve(['eval', '--events', events, '--labels', labels, '--markdown']);
  t.is(markdown.stdout.split('\n').filter((line) => line.startsWith('| ')).length, 2 + TRAFFIC_CLASSES.length + 1);

  // --check turns a missed target into exit code 1.
  const checked = await botsieve(['eval', '--events', events, '--labels', labels, '--check', '--json']).then(
    () => 0,
    (error: { code?: number }) => error.code ?? -1,
  );
  t.is(checked, report.targets_met ? 0 : 1);
});

test('simulate is deterministic and honours --no-bot-management', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-simulate-'));
  const paths = ['a', 'b', 'c'].map((name) => [join(dir, `${name}.ndjson`), join(dir, `${name}.labels.ndjson`)] as const);
  const args = ['--duration-s', '20', '--scale', '0.05', '--seed', '3', '--quiet'];
  for (const [out, labels] of paths.slice(0, 2)) await botsieve(['simulate', '--out', out, '--labels', labels, ...args]);
  const [a, b, c] = paths;
  t.is(await readFile(a?.[0] ?? '', 'utf8'), await readFile(b?.[0] ?? '', 'utf8'));
  await botsieve(['simulate', '--out', c?.[0] ?? '', '--labels', c?.[1] ?? '', ...args, '--no-bot-management']);
  const plain = await readFile(c?.[0] ?? '', 'utf8');
  t.false(/"BotScore"|"JA4"|"BotTags"/.test(plain));
  t.is(plain.trim().split('\n').length, (await readFile(a?.[0] ?? '', 'utf8')).trim().split('\n').length);
});

test('simulate --world writes a world: every class, the protocol on every record, its parameters', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-world-'));
  const args = (name: string): string[] => ['simulate', '--world', '--seed', '3', '--duration-s', '60', '--scale', '0.1', '--out', join(dir, `${name}.ndjson`), '--labels', join(dir, `${name}.labels.ndjson`), '--parameters', join(dir, `${name}.json`)];
  const first = await botsieve(args('a'));
  t.regex(first.stderr, /simulate: [\d,]+ requests over 01:00 \(world, seed 3, scale 0\.1, Bot Management on\)/);
  t.regex(first.stderr, /world 3: [\d.]+ sessions\/s/);
  await botsieve(args('b'));
  const events = await readFile(join(dir, 'a.ndjson'), 'utf8');
  t.is(events, await readFile(join(dir, 'b.ndjson'), 'utf8'));
  const records = events.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.true(records.every((record) => ['HTTP/1.1', 'HTTP/2', 'HTTP/3'].includes(record.ClientRequestProtocol as string)));
  const classes = new Set((await readFile(join(dir, 'a.labels.ndjson'), 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { class: string }).class));
  for (const cls of ALL_CLASSES) t.true(classes.has(cls), cls);
  const parameters = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')) as { seed: number; duration_s: number; attackers: Record<string, unknown> };
  t.is(parameters.seed, 3);
  t.is(parameters.duration_s, 60);
  t.true('inventory_hoarding' in parameters.attackers);

  // eval from the files lists the world's classes in the simulator's order.
  const { stdout } = await botsieve(['eval', '--events', join(dir, 'a.ndjson'), '--labels', join(dir, 'a.labels.ndjson'), '--json']);
  const names = (JSON.parse(stdout) as { report: { classes: { class: string }[] } }).report.classes.map((row) => row.class);
  t.deepEqual(names.filter((name) => name !== 'humans'), [...ALL_CLASSES]);
});

test('eval --worlds: both variants of every world in memory, worst/median/best per class, --check', async (t) => {
  const args = ['eval', '--worlds', '2', '--first-seed', '5', '--duration-s', '60', '--scale', '0.1', '--jobs', '2'];
  // --check turns a target missed on its worst world into exit code 1 (the output is the same).
  const { stdout, stderr, code } = await botsieve([...args, '--json', '--check']).then(
    (result) => ({ ...result, code: 0 }),
    (error: { code?: number; stdout: string; stderr: string }) => ({ stdout: error.stdout, stderr: error.stderr, code: error.code ?? -1 }),
  );
  t.regex(stderr, /eval: 2 worlds × 2 variants \(seeds 5–6, 60 s, scale 0\.1\) on 2 workers/);
  t.regex(stderr, /eval: 4\/4 seed \d/);
  const { report, evaluations } = JSON.parse(stdout) as {
    report: { seeds: number[]; targets_met: boolean; missed: string[]; parameters: { seed: number }[]; variants: { variant: string; classes: { class: string; worlds: number; engine: { worst: { seed: number } } | null; baseline: unknown }[] }[] };
    evaluations: { seed: number; variant: string; events: number }[];
  };
  t.deepEqual(report.seeds, [5, 6]);
  t.deepEqual(report.parameters.map((world) => world.seed), [5, 6]);
  t.deepEqual(evaluations.map((run) => `${run.seed}/${run.variant}`), ['5/bot_management', '5/plain', '6/bot_management', '6/plain']);
  t.deepEqual(report.variants.map((variant) => variant.variant), ['bot_management', 'plain']);
  for (const variant of report.variants) {
    for (const cls of [...ALL_CLASSES, 'humans']) {
      const row = variant.classes.find((entry) => entry.class === cls);
      t.is(row?.worlds, 2, `${variant.variant} ${cls}`);
      t.true([5, 6].includes(row?.engine?.worst.seed ?? -1));
      if (variant.variant === 'plain') t.is(row?.baseline, null);
    }
  }
  t.is(report.targets_met, report.missed.length === 0);
  t.is(code, report.targets_met ? 0 : 1);

  const markdown = await botsieve(['eval', '--worlds', '1', '--first-seed', '5', '--duration-s', '60', '--scale', '0.1', '--markdown', '--quiet']);
  t.is(markdown.stderr, '');
  t.is(markdown.stdout.split('\n').filter((line) => line.startsWith('| ')).length, 2 * (2 + ALL_CLASSES.length + 1));
  t.regex(markdown.stdout, /^- seed 5: /m);
});

test('simulate and eval without their files are usage errors', async (t) => {
  t.true(WORLD_CLASSES.every((cls) => !(TRAFFIC_CLASSES as readonly string[]).includes(cls)));
  for (const args of [
    ['simulate', '--out', 'x.ndjson'],
    ['eval', '--events', 'x.ndjson'],
    ['simulate', '--out', 'x', '--labels', 'y', '--scale', 'zero'],
    ['simulate', '--out', 'x', '--labels', 'y', '--parameters', 'p.json'],
    ['eval', '--worlds', '2', '--events', 'x.ndjson'],
    ['eval', '--worlds', '0'],
    ['eval', '--events', 'x', '--labels', 'y', '--jobs', '2'],
  ]) {
    const error = await t.throwsAsync(botsieve(args));
    t.regex((error as Error & { stderr: string }).stderr, /ERR_CLI_USAGE/);
  }
});
