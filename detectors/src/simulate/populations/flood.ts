/**
 * `l7_flood`: an HTTP flood against one dynamic, uncacheable endpoint.
 *
 * It starts at `start_s` (minute 4 of the default run) and ramps linearly to its full rate,
 * `peak_multiplier` (30) × the busiest second of the minute before, within `ramp_ms` (1 s): the
 * "30× the normal peak from one second to the next" operators report. Every request is
 * `/search?q=<random>`, so the cache never absorbs it and every one lands on the origin, which
 * slows to seconds and fails for everyone on the host while the flood lasts (see origin.ts).
 *
 * The botnet: `bots` addresses, 55% on hosting networks and 45% residential proxies across
 * several countries, plus `rotating_share` of the requests through a proxy that gives each one a
 * fresh address. 70% of the bots say what they are (Go, python-requests, aiohttp: the libraries
 * most flood kits are built on); 30% send a current Chrome User-Agent over Go's TLS stack, the
 * mismatch JA4 exists to expose. Bot Management scores most of it under 30, but not all: the
 * spoofed-browser bots on residential addresses often pass.
 */
import { JA3, JA4, TOOL_UA } from '../clients.js';
import { HOSTING, PROXY_RESIDENTIAL, addressIn } from '../networks.js';
import type { Random } from '../random.js';
import { Identity, scored, type BotScoring, type World } from '../world.js';
import { PoissonActor, at } from './actors.js';

const LIBRARIES = [
  [TOOL_UA.go, JA4.go, JA3.go],
  [TOOL_UA.python_requests, JA4.python, JA3.python],
  [TOOL_UA.aiohttp, JA4.python, JA3.python],
] as const;
const SPOOFED_UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/153.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/152.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.4 Mobile/15E148 Safari/604.1',
];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function cacheBuster(random: Random): string {
  let out = '';
  const length = random.int(6, 12);
  for (let i = 0; i < length; i++) out += LETTERS[random.int(0, LETTERS.length - 1)];
  return out;
}

function spoofedScoring(random: Random, residential: boolean): BotScoring {
  if (!residential) return scored(2, 29);
  return random.chance(0.6) ? scored(5, 29) : scored(30, 75);
}

export function startFlood(world: World, random: Random): void {
  const config = world.scenario.l7_flood;
  if (config.duration_s <= 0 || config.bots <= 0) return;
  const start = at(world, config.start_s);
  const end = start + config.duration_s * 1_000;
  let peak = config.peak_multiplier * config.fallback_peak_rps;

  const bots: Identity[] = [];
  const spoofed: boolean[] = [];
  for (let i = 0; i < config.bots; i++) {
    const residential = !random.chance(0.55);
    const address = world.addresses.claim('l7_flood', 'fresh', () => addressIn(random.pick(residential ? PROXY_RESIDENTIAL : HOSTING), random));
    const browser = random.chance(config.spoofed_browser_share);
    spoofed.push(browser);
    if (browser) {
      bots.push(new Identity('l7_flood', `flood-bot:${i}`, address, random.pick(SPOOFED_UAS), JA4.go, JA3.go, spoofedScoring(random, residential)));
    } else {
      const [ua, ja4, ja3] = random.pick(LIBRARIES);
      bots.push(new Identity('l7_flood', `flood-bot:${i}`, address, ua, ja4, ja3, random.chance(0.9) ? scored(1, 1, 'Heuristics') : scored(2, 29)));
    }
  }
  // The rotating share: one client per variant, moved to a fresh residential address per request.
  const proxied = [
    new Identity('l7_flood', 'flood-proxy', { ip: '0.0.0.0', asn: 0, country: '' }, TOOL_UA.go, JA4.go, JA3.go, scored(1, 29)),
    new Identity('l7_flood', 'flood-proxy', { ip: '0.0.0.0', asn: 0, country: '' }, random.pick(SPOOFED_UAS), JA4.go, JA3.go, scored(5, 60)),
  ];

  const rate = (now: number): number => peak * Math.min(1, Math.max(0.02, (now - start) / config.ramp_ms));
  const flood = new PoissonActor(start, end, rate, random, (w) => {
    let who: Identity;
    let browser: boolean;
    if (random.chance(config.rotating_share)) {
      const index = random.int(0, 1);
      who = proxied[index] as Identity;
      browser = index === 1;
      who.moveTo(w.addresses.claim('l7_flood', 'fresh', () => addressIn(random.pick(PROXY_RESIDENTIAL), random)));
    } else {
      const index = random.int(0, bots.length - 1);
      who = bots[index] as Identity;
      browser = spoofed[index] as boolean;
    }
    const referer = browser && random.chance(0.5) ? `https://${w.site.host}/` : '';
    w.emit(who, w.now, 'GET', w.site.search(cacheBuster(random), random), referer);
  });
  // At the start, size the flood from the traffic of the minute before it.
  world.schedule({
    next_ms: start,
    step(w: World): boolean {
      const normal = w.busiestSecond(start - 60_000, start);
      peak = config.peak_multiplier * (normal > 0 ? normal : config.fallback_peak_rps);
      w.schedule(flood);
      return false;
    },
  });
}
