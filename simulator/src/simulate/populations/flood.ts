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
 *
 * In a world (an AttackerProfile), the bots come from the profile's network and wear its
 * clients (one library, rotating browsers, a browser User-Agent over Go, none, or the humans'
 * own browser), and the target may be `/?<random>` or `/product/<random id>` instead.
 */
import { TOOLS, attackerAddress, attackerClient } from '../attackers.js';
import { JA3, JA4, TOOL_UA } from '../clients.js';
import { HOSTING, PROXY_RESIDENTIAL, addressIn } from '../networks.js';
import type { Random } from '../random.js';
import type { AttackerProfile, Scenario } from '../scenario.js';
import type { Resource } from '../site.js';
import { Identity, scored, type BotScoring, type World } from '../world.js';
import { at, scheduleFlood } from './actors.js';

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

export function cacheBuster(random: Random): string {
  let out = '';
  const length = random.int(6, 12);
  for (let i = 0; i < length; i++) out += LETTERS[random.int(0, LETTERS.length - 1)];
  return out;
}

function spoofedScoring(random: Random, residential: boolean): BotScoring {
  if (!residential) return scored(2, 29);
  return random.chance(0.6) ? scored(5, 29) : scored(30, 75);
}

/** One flood request's target: always past the cache. */
export function floodTarget(world: World, random: Random, target: Scenario['l7_flood']['target']): Resource {
  const site = world.site;
  switch (target) {
    case 'search':
      return site.search(cacheBuster(random), random);
    case 'home': {
      const home = site.home(random);
      return { ...home, uri: `/?${cacheBuster(random)}` };
    }
    case 'product':
      return site.product(random.int(1, Math.ceil(site.products * 1.1)), random);
  }
}

/** The botnet of a world: `bots` identities from the profile, and the rotating share's one. */
function worldBots(world: World, random: Random, profile: AttackerProfile, count: number): { bots: Identity[]; proxied: Identity } {
  const tool = random.pick([TOOLS.go, TOOLS.python, TOOLS.aiohttp]);
  const bots: Identity[] = [];
  for (let i = 0; i < count; i++) {
    const client = attackerClient(profile, random, tool);
    const address = attackerAddress(world, 'l7_flood', profile.network, random);
    bots.push(new Identity('l7_flood', `flood-bot:${i}`, address, client.user_agent, client.ja4, client.ja3, client.scoring, client.transport));
  }
  const client = attackerClient(profile, random, tool);
  const proxied = new Identity('l7_flood', 'flood-proxy', { ip: '0.0.0.0', asn: 0, country: '' }, client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
  return { bots, proxied };
}

export function startFlood(world: World, random: Random): void {
  const config = world.scenario.l7_flood;
  if (config.duration_s <= 0 || config.bots <= 0) return;
  const start = at(world, config.start_s);
  const timing = { start_ms: start, end_ms: start + config.duration_s * 1_000, ramp_ms: config.ramp_ms, multiplier: config.peak_multiplier, fallback_peak_rps: config.fallback_peak_rps };
  const profile = world.scenario.attackers.l7_flood;
  if (profile !== undefined) {
    const { bots, proxied } = worldBots(world, random, profile, config.bots);
    let sent = 0;
    scheduleFlood(world, random, timing, (w) => {
      if (sent++ >= config.max_requests) return false;
      let who: Identity;
      if (random.chance(config.rotating_share)) {
        who = proxied;
        who.moveTo(attackerAddress(w, 'l7_flood', profile.network, random));
      } else {
        who = bots[random.int(0, bots.length - 1)] as Identity;
      }
      const referer = who.user_agent.startsWith('Mozilla/') && random.chance(0.5) ? `https://${w.site.host}/` : '';
      w.emit(who, w.now, 'GET', floodTarget(w, random, config.target), referer);
    });
    return;
  }

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
  scheduleFlood(world, random, timing, (w) => {
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
}
