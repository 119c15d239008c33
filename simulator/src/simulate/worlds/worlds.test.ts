/**
 * Drawing worlds: deterministic per seed, every value inside WORLD_RANGES (the fitted floods
 * inside their clamps), attacks inside the run, every class present even in a tiny world, the
 * parameters plain JSON, and the README's table of ranges generated from the ranges themselves.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { ALL_CLASSES, ATTACK_CLASSES } from '../classes.js';
import { run } from '../test-support.js';
import { drawWorld } from './draw.js';
import { WORLD_RANGES, type ChoiceRange, type NumberRange } from './ranges.js';
import { worldRangesMarkdown } from './ranges-markdown.js';
import { worldScenario } from './world-scenario.js';

test('a seed always draws the same world; another seed another one', (t) => {
  t.deepEqual(drawWorld(5), drawWorld(5));
  t.notDeepEqual(drawWorld(5), drawWorld(6));
  t.deepEqual(drawWorld(5, { duration_s: 120, scale: 0.2 }), drawWorld(5, { duration_s: 120, scale: 0.2 }));
  // Plain JSON: printed with the world and read back to discuss it.
  const world = drawWorld(7);
  t.deepEqual(JSON.parse(JSON.stringify(world)), world);
});

/** Drawn values a world fits after drawing (the floods), checked against their clamps instead. */
const FITTED = new Set(['l7_flood.duration_s', 'l7_flood.requests_per_address', 'l7_flood.pool', 'api_flood.duration_s', 'api_flood.pool']);

test('every drawn value lies inside its documented range', (t) => {
  for (let seed = 1; seed <= 200; seed++) {
    const scale = seed % 2 === 0 ? 1 : 0.5;
    const world = drawWorld(seed, { scale });
    for (const [section, ranges] of Object.entries(WORLD_RANGES)) {
      if (section === 'attackers') continue;
      const drawn = (world as unknown as Record<string, Record<string, number | string>>)[section] ?? {};
      for (const [key, range] of Object.entries(ranges as Record<string, NumberRange | ChoiceRange<string>>)) {
        const value = drawn[key];
        if (FITTED.has(`${section}.${key}`)) continue;
        if ('choices' in range) {
          t.true(range.choices.some(([, choice]) => choice === value), `seed ${seed} ${section}.${key} = ${String(value)}`);
          continue;
        }
        const factor = range.scaled ? scale : 1;
        const slack = range.integer ? 0.5 : 1e-9;
        t.true(typeof value === 'number' && value >= range.min * factor - slack && value <= range.max * factor + slack, `seed ${seed} ${section}.${key} = ${String(value)} outside ${range.min}–${range.max}`);
        if (range.integer) t.true(Number.isInteger(value), `seed ${seed} ${section}.${key} not an integer`);
      }
    }
    for (const cls of ATTACK_CLASSES) {
      const plan = world.attackers[cls];
      const allowed = WORLD_RANGES.attackers[cls];
      t.true(allowed.network.choices.some(([, choice]) => choice === plan.network), `${cls} network`);
      t.true(allowed.user_agent.choices.some(([, choice]) => choice === plan.user_agent), `${cls} user agent`);
      t.true(plan.start_s >= 0 && plan.end_s <= world.duration_s + 1e-9 && plan.start_s <= plan.end_s, `seed ${seed} ${cls} window ${plan.start_s}–${plan.end_s}`);
    }
    const flood = world.l7_flood;
    t.true(flood.pool >= WORLD_RANGES.l7_flood.pool.min && flood.pool <= WORLD_RANGES.l7_flood.pool.max, `seed ${seed} pool ${flood.pool}`);
    t.true(flood.duration_s >= 3 && flood.duration_s <= WORLD_RANGES.l7_flood.duration_s.max && flood.duration_s <= 0.4 * world.duration_s + 0.1);
    t.true(flood.pool * flood.requests_per_address <= flood.max_requests * 1.001, `seed ${seed} flood over its budget`);
    const api = world.api_flood;
    t.true(api.pool >= WORLD_RANGES.api_flood.pool.min * scale - 1 && api.pool <= WORLD_RANGES.api_flood.pool.max * scale + 1, `seed ${seed} API pool ${api.pool}`);
    // A flood measures the minute before it: it never starts in the first minute of a 10-minute run.
    t.true(world.attackers.l7_flood.start_s >= 60 && world.attackers.api_flood.start_s >= 60);
    t.true(world.derived.nat_exits >= 1 && world.derived.clouds.length === world.bots.clouds);
  }
});

test('the sessions split into website, single-page app and mobile app', (t) => {
  const world = drawWorld(3);
  const { web_sessions_per_s: web, spa_sessions_per_s: spa, app_sessions_per_s: app } = world.derived;
  t.true(Math.abs(web + spa + app - world.shop.sessions_per_s) < 0.01);
  t.true(Math.abs(app / world.shop.sessions_per_s - world.audience.app_share) < 0.01);
});

test('every class is present, even in a one-minute world at a tenth of the scale', (t) => {
  for (const seed of [1, 2, 3]) {
    const { counts } = run(worldScenario(drawWorld(seed, { duration_s: 60, scale: 0.1 })));
    for (const cls of ALL_CLASSES) t.true((counts.get(cls) ?? 0) > 0, `seed ${seed}: ${cls} missing`);
  }
});

test('a world is the same traffic with and without Bot Management', (t) => {
  const world = drawWorld(4, { duration_s: 60, scale: 0.1 });
  const bm = run(worldScenario(world, { bot_management: true }));
  const plain = run(worldScenario(world, { bot_management: false }));
  t.is(plain.requests.length, bm.requests.length);
  t.deepEqual([...plain.counts], [...bm.counts]);
  t.is(plain.requests[500]?.record.ClientRequestURI, bm.requests[500]?.record.ClientRequestURI);
  t.false('JA4' in (plain.requests[500]?.record ?? {}));
});

test("the README's table of world ranges is generated from WORLD_RANGES", (t) => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  t.true(readme.includes(worldRangesMarkdown()), 'simulator/README.md is out of date: paste worldRangesMarkdown() into its "Worlds" section');
});
