/**
 * Scrapers that look like clients the shop welcomes:
 * - `scraper_headless`: a fleet of headless Chromes (Puppeteer, Playwright). Each worker loads a
 *   product page every `page_interval_s` (±10%: a steady cadence no human keeps) WITH its assets:
 *   the shell on its first page (its cache survives proxy rotation), the product's images on
 *   every page, the recommendations XHR. It walks many distinct products (a shuffled list:
 *   coverage, not popularity), a listing now and then, never search or cart. The whole fleet
 *   shares one User-Agent (`HeadlessChrome`, or a current Chrome's with stealth plugins) and
 *   Chrome's real JA4, and rotates datacenter addresses every `pages_per_address` pages.
 * - `scraper_api`: price scraping through the mobile app's API with the app's exact User-Agent
 *   and TLS fingerprint (copied from the app), from rotating proxies: `/api/products/<id>` down
 *   a watch list, a search now and then; none of the app's launch calls or analytics beacons.
 */
import { TOOLS, attackerAddress, attackerClient } from '../attackers.js';
import { JA4, headlessChromeUserAgent, staleChromeUserAgent } from '../clients.js';
import type { Random } from '../random.js';
import type { AttackerProfile } from '../scenario.js';
import { Identity, scored, type Actor, type World } from '../world.js';
import { PoissonActor, at } from './actors.js';

/** Shared by the fleet: where each worker takes its next product. */
class Walk {
  private next = 0;
  constructor(private readonly products: readonly number[]) {}
  take(): number {
    return this.products[this.next++ % this.products.length] as number;
  }
}

class HeadlessWorker implements Actor {
  next_ms: number;
  private pages = 0;
  private shellLoaded = false;

  constructor(
    private readonly who: Identity,
    private readonly walk: Walk,
    private readonly profile: AttackerProfile,
    private readonly to_ms: number,
    private readonly random: Random,
    from_ms: number,
  ) {
    this.next_ms = from_ms;
  }

  step(world: World): boolean {
    const random = this.random;
    const site = world.site;
    const config = world.scenario.scraper_headless;
    if (this.pages > 0 && this.pages % config.pages_per_address === 0) {
      this.who.moveTo(attackerAddress(world, 'scraper_headless', this.profile.network, random));
      this.who.ja3 = random.hex(32); // a new connection: Chrome shuffles its extensions
    }
    this.pages += 1;
    const now = world.now;
    const listing = random.chance(0.08);
    const product = listing ? 0 : this.walk.take();
    const page = listing ? site.categoryPage(site.category(random), random.int(1, 30), random) : site.product(product, random);
    const status = world.emit(this.who, now, 'GET', page, '');
    if (status < 500) {
      const url = site.url(page);
      if (!this.shellLoaded) {
        this.shellLoaded = true;
        for (const asset of site.shellAssets(random)) world.emit(this.who, now + 40 + Math.min(1_100, random.lognormal(120, 0.4)), 'GET', asset, url);
      }
      for (const image of site.pageImages(listing ? 'category' : 'product', product, random, () => random.int(1, site.products))) {
        world.emit(this.who, now + 120 + Math.min(1_000, random.lognormal(300, 0.4)), 'GET', image, url);
      }
      if (!listing) world.emit(this.who, now + random.uniform(300, 700), 'GET', site.recommendations(product, random), url);
    }
    this.next_ms = now + config.page_interval_s * 1_000 * random.uniform(0.9, 1.1);
    return this.next_ms < this.to_ms;
  }
}

const HEADLESS_PROFILE: AttackerProfile = { network: 'hosting', user_agent: 'rotating_browser', copies: 'web' };

export function startHeadlessScraper(world: World, random: Random): void {
  const config = world.scenario.scraper_headless;
  if (config.workers <= 0) return;
  const profile = world.scenario.attackers.scraper_headless ?? HEADLESS_PROFILE;
  const walk = new Walk(random.shuffled(Array.from({ length: world.site.products }, (_, i) => i + 1)));
  // One User-Agent and one JA4 for the whole fleet (one browser build, one launch configuration).
  const userAgent = config.headless_user_agent ? headlessChromeUserAgent(153) : staleChromeUserAgent(153).replace('Windows NT 10.0; Win64; x64', 'X11; Linux x86_64');
  const scoring = config.headless_user_agent ? scored(1, 5, 'Heuristics') : scored(random.int(5, 25), random.int(26, 50));
  const from = at(world, config.window.start_s);
  const to = at(world, config.window.end_s);
  for (let i = 0; i < config.workers; i++) {
    const who = new Identity('scraper_headless', `headless:${i}`, attackerAddress(world, 'scraper_headless', profile.network, random), userAgent, JA4.chromium, random.hex(32), scoring, 'auto');
    world.schedule(new HeadlessWorker(who, walk, profile, to, random, from + random.uniform(0, config.page_interval_s * 1_000)));
  }
}

const API_PROFILE: AttackerProfile = { network: 'proxy_customers', user_agent: 'copy_human', copies: 'app' };

export function startApiScraper(world: World, random: Random): void {
  const config = world.scenario.scraper_api;
  if (config.requests_per_s <= 0) return;
  const profile = world.scenario.attackers.scraper_api ?? API_PROFILE;
  const watch = random.shuffled(Array.from({ length: world.site.products }, (_, i) => i + 1)).slice(0, Math.min(2_000, world.site.products));
  const client = attackerClient(profile, random, TOOLS.python);
  const who = new Identity('scraper_api', 'api-scraper', attackerAddress(world, 'scraper_api', profile.network, random), client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
  let sent = 0;
  world.schedule(new PoissonActor(at(world, config.window.start_s), at(world, config.window.end_s), config.requests_per_s, random, (w) => {
    if (sent > 0 && sent % config.requests_per_address === 0) {
      who.moveTo(attackerAddress(w, 'scraper_api', profile.network, random));
      if (profile.user_agent === 'rotating_browser' || profile.user_agent === 'copy_human') who.wear(attackerClient(profile, random, TOOLS.python));
    }
    const resource = random.chance(0.1) ? w.site.apiSearch(w.site.searchTerm(random), random) : w.site.apiProduct(watch[sent % watch.length] as number, random);
    w.emit(who, w.now, 'GET', resource, '');
    sent += 1;
  }));
}
