/**
 * Population behaviour in the shared small run: the flood's 30× step and what it does to the
 * origin, humans' pages and assets, the attacks' statuses and the scrapers' rhythm.
 */
import test from 'ava';
import { humanScoring } from './populations/humans.js';
import { Random } from './random.js';
import type { SimulatedRequest } from './world.js';
import { elapsed, smallRun } from './test-support.js';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function byClass(cls: string): SimulatedRequest[] {
  return smallRun().requests.filter((request) => request.label.class === cls);
}

test('the flood jumps to 30× the busiest second of the minute before it, within one second', (t) => {
  const { requests, scenario } = smallRun();
  const start = scenario.l7_flood.start_s;
  const normal = new Map<number, number>();
  const flood = new Map<number, number>();
  for (const request of requests) {
    const second = Math.floor(elapsed(scenario, request) - start);
    const table = request.label.class === 'l7_flood' ? flood : normal;
    table.set(second, (table.get(second) ?? 0) + 1);
  }
  let peak = 0;
  for (let second = -60; second < 0; second++) peak = Math.max(peak, normal.get(second) ?? 0);
  t.false([...flood.keys()].some((second) => second < 0), 'flood before its start');
  // Second 0 is the ramp (half the rate on average); from second 1 on, full rate.
  const full = flood.get(1) ?? 0;
  t.true(full >= 27 * peak && full <= 33 * peak, `${full} vs normal peak ${peak}`);
  t.true((flood.get(0) ?? 0) < 0.7 * full);
  t.is(flood.get(Math.ceil(scenario.l7_flood.duration_s)) ?? 0, 0, 'flood after its end');
});

test('the flood hammers uncacheable search URLs from thousands of addresses, no assets', (t) => {
  const flood = byClass('l7_flood');
  const ips = new Set(flood.map((request) => request.record.ClientIP));
  t.true(ips.size > 500, `${ips.size} addresses`);
  t.true(flood.every((request) => request.record.ClientRequestPath === '/search' && request.record.CacheCacheStatus === 'dynamic'));
  t.true(new Set(flood.map((request) => request.record.ClientRequestURI)).size > flood.length * 0.99);
  const low = flood.filter((request) => (request.record.BotScore ?? 99) < 30).length / flood.length;
  t.true(low > 0.8 && low < 0.99, `score < 30: ${low}`);
  const spoofed = flood.filter((request) => request.record.ClientRequestUserAgent.startsWith('Mozilla/5.0')).length / flood.length;
  t.true(spoofed > 0.2 && spoofed < 0.45, `browser UAs: ${spoofed}`);
  t.true(flood.every((request) => !request.record.JA4?.startsWith('t13d151')), 'a flood bot with a browser JA4');
});

test('while the flood lasts the origin slows to seconds and fails for humans too', (t) => {
  const { scenario } = smallRun();
  const pages = byClass('human').filter((request) => request.record.CacheCacheStatus === 'dynamic');
  const during = (request: SimulatedRequest): boolean => {
    const s = elapsed(scenario, request) - scenario.l7_flood.start_s;
    return s >= 2 && s < scenario.l7_flood.duration_s;
  };
  const before = pages.filter((request) => elapsed(scenario, request) < scenario.l7_flood.start_s);
  const flooded = pages.filter(during);
  const quiet = median(before.map((request) => request.record.OriginResponseDurationMs));
  const slow = median(flooded.filter((request) => request.record.EdgeResponseStatus < 500).map((request) => request.record.OriginResponseDurationMs));
  t.true(quiet > 20 && quiet < 100, `idle median ${quiet} ms`);
  t.true(slow > 1_000, `median during the flood ${slow} ms`);
  const failed = (list: SimulatedRequest[]): number => list.filter((request) => request.record.EdgeResponseStatus >= 500).length / Math.max(1, list.length);
  t.true(failed(before) < 0.01);
  t.true(failed(flooded) > 0.5, `5xx during the flood: ${failed(flooded)}`);
});

test('human pages pull their assets from the same address and browser within ~1 s', (t) => {
  const humans = byClass('human');
  // Per visitor in event time: the output order itself is jittered, so a page may follow its first assets.
  const visits = new Map<string, SimulatedRequest[]>();
  for (const request of humans) visits.set(request.label.actor, [...(visits.get(request.label.actor) ?? []), request]);
  let assets = 0;
  for (const requests of visits.values()) {
    requests.sort((a, b) => a.record.EdgeStartTimestamp - b.record.EdgeStartTimestamp);
    let page: SimulatedRequest | null = null;
    for (const request of requests) {
      const record = request.record;
      if (record.EdgeResponseContentType === 'text/html') {
        page = request;
        continue;
      }
      if (!record.ClientRequestPath.startsWith('/static/') && !record.ClientRequestPath.startsWith('/img/')) continue;
      assets += 1;
      if (page === null) continue; // its page fell in the warm-up, before the start
      t.is(record.ClientIP, page.record.ClientIP);
      t.is(record.ClientRequestUserAgent, page.record.ClientRequestUserAgent);
      t.is(record.ClientRequestReferer, `https://shop.example${page.record.ClientRequestURI}`);
      const gap = record.EdgeStartTimestamp / 1e6 - page.record.EdgeStartTimestamp / 1e6;
      t.true(gap >= 0 && gap <= 1_200, `asset ${gap} ms after its page`);
    }
  }
  t.true(assets > humans.length / 2, `${assets} assets of ${humans.length}`);
  const hits = humans.filter((request) => request.record.CacheCacheStatus === 'hit').length;
  t.true(hits / assets > 0.85);
});

test('humans: browser JA4s shared by many, scores mostly high with a few false positives, some log in', (t) => {
  const humans = [...byClass('human'), ...byClass('human_shared_ip')];
  const actors = new Set(humans.map((request) => request.label.actor));
  const ja4s = new Set(humans.map((request) => request.record.JA4));
  t.true(actors.size > 100 && ja4s.size <= 5, `${actors.size} humans, ${ja4s.size} JA4s`);
  const scores = humans.map((request) => request.record.BotScore ?? 0);
  t.true(scores.filter((score) => score >= 60).length / scores.length > 0.9);
  // Cloudflare's false positives: 1% of humans score 10–29 (too few in the small run to count).
  const random = new Random(5);
  let falsePositives = 0;
  let lowest = 99;
  for (let i = 0; i < 20_000; i++) {
    const scoring = humanScoring(random, 0.01);
    if (scoring.high < 30) falsePositives += 1;
    lowest = Math.min(lowest, scoring.low);
  }
  t.true(falsePositives > 150 && falsePositives < 250, `${falsePositives} of 20,000`);
  t.is(lowest, 10);
  const logins = humans.filter((request) => request.record.ClientRequestMethod === 'POST' && request.record.ClientRequestPath === '/login');
  t.true(logins.length > 0);
  t.true(logins.filter((request) => request.record.EdgeResponseStatus === 401).length < logins.length * 0.5);
});

test('shared addresses carry 20–80 people with their own browsers', (t) => {
  const people = new Map<string, Set<string>>();
  for (const request of byClass('human_shared_ip')) {
    const set = people.get(request.record.ClientIP) ?? new Set<string>();
    set.add(request.label.actor);
    people.set(request.record.ClientIP, set);
  }
  t.true(people.size >= 1);
  for (const [ip, actors] of people) t.true(actors.size >= 10 && actors.size <= 80, `${ip}: ${actors.size} people`);
});

test('credential stuffing rotates addresses (1–3 attempts each) and mostly fails; brute force hammers from few', (t) => {
  const stuffing = byClass('credential_stuffing');
  const perIp = new Map<string, number>();
  for (const request of stuffing) perIp.set(request.record.ClientIP, (perIp.get(request.record.ClientIP) ?? 0) + 1);
  t.true([...perIp.values()].every((attempts) => attempts >= 1 && attempts <= 3));
  t.true(stuffing.every((request) => request.record.ClientRequestMethod === 'POST' && request.record.ClientRequestPath === '/login'));
  // Among answered attempts (the flood makes the origin fail some of them).
  const answered = stuffing.filter((request) => request.record.EdgeResponseStatus < 500);
  const failed = answered.filter((request) => request.record.EdgeResponseStatus === 401).length / answered.length;
  t.true(failed > 0.85, `401 share ${failed}`);
  const brute = byClass('brute_force');
  t.true(new Set(brute.map((request) => request.record.ClientIP)).size <= 3);
  t.true(brute.filter((request) => request.record.EdgeResponseStatus === 401).length / brute.filter((request) => request.record.EdgeResponseStatus < 500).length > 0.9);
});

test('scrapers: sequential ids from few addresses; low-and-slow spaced 10–40 s; probes get 404/403', (t) => {
  const scraper = byClass('scraper').filter((request) => request.record.ClientRequestPath.startsWith('/product/'));
  const ids = scraper.map((request) => Number(request.record.ClientRequestPath.slice('/product/'.length)));
  t.true(ids.slice(1).every((id, i) => id === (ids[i] as number) + 1 || id === 1), 'not sequential');
  t.true(byClass('scraper').every((request) => !request.record.ClientRequestPath.startsWith('/static/')));
  const slow = new Map<string, number[]>();
  for (const request of byClass('scraper_low_slow')) slow.set(request.label.actor, [...(slow.get(request.label.actor) ?? []), request.record.EdgeStartTimestamp / 1e6]);
  for (const times of slow.values()) for (let i = 1; i < times.length; i++) t.true((times[i] as number) - (times[i - 1] as number) >= 9_000);
  const probes = byClass('probe');
  t.true(probes.filter((request) => [403, 404].includes(request.record.EdgeResponseStatus)).length / probes.length > 0.8);
});
