/**
 * `api_flood`: an HTTP flood on one API endpoint from tens of thousands of addresses, each of
 * which sends only 1–3 requests and is never seen again (an IoT botnet or a residential proxy
 * pool rented by the minute). No address is ever busy, so per-address rates see nothing; the
 * flood is a jump of `peak_multiplier` × the busiest second on one route, from a population
 * that does nothing else (no pages, no assets) and asks for uncacheable, random things.
 *
 * The botnet keeps a few dozen addresses active at once and replaces each as soon as it has sent
 * its 1…`max_requests_per_address` requests, until `addresses` have been used or the flood ends.
 */
import { TOOLS, attackerAddress, attackerClient } from '../attackers.js';
import type { Random } from '../random.js';
import type { AttackerProfile, Scenario } from '../scenario.js';
import type { Resource } from '../site.js';
import { Identity, type World } from '../world.js';
import { at, scheduleFlood } from './actors.js';
import { cacheBuster } from './flood.js';

/** Addresses sending at the same time (interleaved, as a botnet's are). */
const ACTIVE = 48;
const DEFAULT_PROFILE: AttackerProfile = { network: 'proxy_abroad', user_agent: 'automation', copies: 'app' };

function target(world: World, random: Random, endpoint: Scenario['api_flood']['endpoint']): Resource {
  const site = world.site;
  switch (endpoint) {
    case 'search':
      return site.apiSearch(cacheBuster(random), random);
    case 'product':
      return site.apiProduct(random.int(1, Math.ceil(site.products * 1.1)), random);
    case 'cart':
      return site.api('/api/cart', random, 800, 200, `session=${cacheBuster(random)}`);
  }
}

class Bot {
  constructor(
    readonly who: Identity,
    public left: number,
  ) {}
}

export function startApiFlood(world: World, random: Random): void {
  const config = world.scenario.api_flood;
  if (config.duration_s <= 0 || config.addresses <= 0) return;
  const profile = world.scenario.attackers.api_flood ?? DEFAULT_PROFILE;
  const tool = random.pick([TOOLS.go, TOOLS.python, TOOLS.axios]);
  const start = at(world, config.start_s);
  let used = 0;
  const recruit = (w: World): Bot | null => {
    if (used >= config.addresses) return null;
    const client = attackerClient(profile, random, tool);
    const address = attackerAddress(w, 'api_flood', profile.network, random);
    const who = new Identity('api_flood', `api-flood-bot:${used++}`, address, client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
    return new Bot(who, random.int(1, Math.max(1, config.max_requests_per_address)));
  };
  const active: Bot[] = [];
  const timing = { start_ms: start, end_ms: start + config.duration_s * 1_000, ramp_ms: config.ramp_ms, multiplier: config.peak_multiplier, fallback_peak_rps: config.fallback_peak_rps };
  scheduleFlood(world, random, timing, (w) => {
    while (active.length < ACTIVE) {
      const bot = recruit(w);
      if (bot === null) break;
      active.push(bot);
    }
    if (active.length === 0) return false;
    const index = random.int(0, active.length - 1);
    const bot = active[index] as Bot;
    w.emit(bot.who, w.now, 'GET', target(w, random, config.endpoint), '');
    bot.left -= 1;
    if (bot.left <= 0) {
      active[index] = active[active.length - 1] as Bot;
      active.pop();
    }
    return true;
  });
}
