/**
 * Catalogue scrapers, from blunt to careful:
 * - `scraper`: a Scrapy job on a few hosting addresses walking `/product/<id>` in id order at
 *   ~1.2 requests/s per address (Scrapy's DOWNLOAD_DELAY randomised 0.5–1.5×), with a listing
 *   page every 24 products, running past the last id into 404s before wrapping around.
 * - `scraper_rotating`: a price scraper behind a datacenter proxy pool that gives every request
 *   a NEW address (each used once, from a few hosting ASNs, hundreds of /24s). It impersonates
 *   Chrome at the TLS layer (Chrome's JA4, as curl_cffi does) with a stale Chrome User-Agent, but
 *   a fixed extension order gives it one JA3, where real Chrome shows a new one per connection.
 *   Product pages only, from a watch list of ~1,500 products, no assets, no referer.
 * - `scraper_low_slow`: one or two residential addresses fetching a product page every 10–40 s
 *   all run long: too slow for any rate threshold; a browser User-Agent over Go's TLS stack.
 *
 * In a world each takes its addresses and client from its AttackerProfile (the rotating scraper
 * with `rotating_browser` changes browser with every request) and runs in its window.
 */
import { randomIpv4In, randomSlash24In, type Cidr } from '../addresses.js';
import { TOOLS, attackerAddress, attackerClient } from '../attackers.js';
import { JA3, JA4, TOOL_UA, pickBrowser, staleChromeUserAgent } from '../clients.js';
import { HOSTING, addressIn, pickResidential, type Address, type Network } from '../networks.js';
import type { Random } from '../random.js';
import type { AttackerProfile } from '../scenario.js';
import { Identity, scored, type Actor, type World } from '../world.js';
import { PeriodicActor, PoissonActor, at } from './actors.js';

/** Where the next product of a sequential walk is: shared by the scraper's addresses. */
class Cursor {
  id = 1;
  fetched = 0;
}

class SequentialScraper implements Actor {
  next_ms: number;

  constructor(
    private readonly who: Identity,
    private readonly cursor: Cursor,
    from_ms: number,
    private readonly to_ms: number,
    private readonly mean_gap_ms: number,
    private readonly random: Random,
  ) {
    this.next_ms = from_ms;
  }

  step(world: World): boolean {
    const site = world.site;
    const cursor = this.cursor;
    cursor.fetched += 1;
    if (cursor.fetched % 24 === 0) {
      world.emit(this.who, world.now, 'GET', site.categoryPage(site.category(this.random), this.random.int(1, 30), this.random), '');
    } else {
      world.emit(this.who, world.now, 'GET', site.product(cursor.id, this.random), '');
      cursor.id = cursor.id >= site.products + 50 ? 1 : cursor.id + 1;
    }
    this.next_ms = world.now + this.mean_gap_ms * this.random.uniform(0.5, 1.5);
    return this.next_ms < this.to_ms;
  }
}

export function startScraper(world: World, random: Random): void {
  const config = world.scenario.scraper;
  const cursor = new Cursor();
  const to = at(world, config.window.end_s);
  const profile = world.scenario.attackers.scraper;
  for (let i = 0; i < config.ips; i++) {
    let who: Identity;
    if (profile === undefined) {
      const address = world.addresses.claim('scraper', 'fresh', () => addressIn(random.pick(HOSTING.slice(0, 3)), random));
      // Scrapy announces itself, and Bot Management's heuristics score it 1.
      who = new Identity('scraper', 'catalogue-scraper', address, TOOL_UA.scrapy, JA4.python, JA3.python, scored(1, 1, 'Heuristics'));
    } else {
      const client = attackerClient(profile, random, TOOLS.scrapy);
      who = new Identity('scraper', 'catalogue-scraper', attackerAddress(world, 'scraper', profile.network, random), client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
    }
    world.schedule(new SequentialScraper(who, cursor, at(world, config.window.start_s) + i * 300, to, 1_000 / config.requests_per_s_per_ip, random));
  }
}

export function startRotatingScraper(world: World, random: Random): void {
  const config = world.scenario.scraper_rotating;
  if (config.requests_per_s <= 0) return;
  // The proxy provider's pool: /24s spread over four hosting networks.
  const networks: Network[] = [HOSTING[0], HOSTING[1], HOSTING[2], HOSTING[6]].filter((n): n is Network => n !== undefined);
  const pool: { net: Network; prefix: Cidr }[] = [];
  for (let i = 0; i < config.proxy_prefixes; i++) {
    const net = random.pick(networks);
    pool.push({ net, prefix: randomSlash24In(random.pick(net.cidrs), random) });
  }
  const profile = world.scenario.attackers.scraper_rotating;
  if (profile !== undefined) return startWorldRotatingScraper(world, random, profile);
  const products = random.shuffled(Array.from({ length: world.site.products }, (_, i) => i + 1)).slice(0, 1_500);
  const freshAddress = (): Address =>
    world.addresses.claim('scraper_rotating', 'fresh', () => {
      const { net, prefix } = random.pick(pool);
      return { ip: randomIpv4In(prefix, random), asn: net.asn, country: net.country };
    });
  // ~half of its requests score under 30: fresh datacenter addresses, perfect Chrome TLS.
  const who = new Identity('scraper_rotating', 'price-scraper', freshAddress(), staleChromeUserAgent(124), JA4.chromium, JA3.chrome_impersonation, scored(3, 55));
  let sent = 0;
  world.schedule(new PoissonActor(at(world, config.window.start_s), at(world, config.window.end_s), config.requests_per_s, random, (w) => {
    if (sent > 0) who.moveTo(freshAddress());
    w.emit(who, w.now, 'GET', w.site.product(products[sent % products.length] as number, random), '');
    sent += 1;
  }));
}

export function startLowAndSlow(world: World, random: Random): void {
  const config = world.scenario.scraper_low_slow;
  const end = at(world, config.window.end_s);
  const profile = world.scenario.attackers.scraper_low_slow;
  for (let i = 0; i < config.ips; i++) {
    let who: Identity;
    if (profile === undefined) {
      const address = world.addresses.claim('scraper_low_slow', 'fresh', () => addressIn(pickResidential(random), random));
      const browser = pickBrowser(random, 'office');
      who = new Identity('scraper_low_slow', `low-and-slow:${i}`, address, browser.user_agent, JA4.go, JA3.go, scored(35, 80));
    } else {
      const client = attackerClient(profile, random, TOOLS.go);
      who = new Identity('scraper_low_slow', `low-and-slow:${i}`, attackerAddress(world, 'scraper_low_slow', profile.network, random), client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
    }
    let id = random.int(1, world.site.products);
    const gap = ((config.min_gap_s + config.max_gap_s) / 2) * 1_000;
    const jitter = ((config.max_gap_s - config.min_gap_s) / 2) * 1_000;
    world.schedule(new PeriodicActor(at(world, config.window.start_s + random.uniform(0, config.max_gap_s)), end, gap, jitter, random, (w) => {
      w.emit(who, w.now, 'GET', w.site.product(id, random), '');
      id = id >= w.site.products ? 1 : id + 1;
    }));
  }
}

/** A world's rotating scraper: a new address for every request from its profile's network. */
function startWorldRotatingScraper(world: World, random: Random, profile: AttackerProfile): void {
  const config = world.scenario.scraper_rotating;
  const products = random.shuffled(Array.from({ length: world.site.products }, (_, i) => i + 1)).slice(0, Math.min(1_500, world.site.products));
  const client = attackerClient(profile, random, TOOLS.python);
  const who = new Identity('scraper_rotating', 'price-scraper', attackerAddress(world, 'scraper_rotating', profile.network, random), client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
  let sent = 0;
  world.schedule(new PoissonActor(at(world, config.window.start_s), at(world, config.window.end_s), config.requests_per_s, random, (w) => {
    if (sent > 0) {
      who.moveTo(attackerAddress(w, 'scraper_rotating', profile.network, random));
      if (profile.user_agent === 'rotating_browser') who.wear(attackerClient(profile, random, TOOLS.python));
    }
    w.emit(who, w.now, 'GET', w.site.product(products[sent % products.length] as number, random), '');
    sent += 1;
  }));
}
