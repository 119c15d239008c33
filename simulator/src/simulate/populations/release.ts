/**
 * A limited product release (sneakers, a console, concert merchandise) and the two populations
 * it draws:
 * - `human_release_rush`: real buyers. Some arrive early and refresh the product page (web: the
 *   HTML only, the rest is cached; app: the product's JSON) every few seconds until it goes
 *   live; the rest pour in after it, most within the first minute. Then one add-to-cart (a retry
 *   on 5xx), a checkout page and an order; 409 once sold out, and they give up. Half of them on
 *   phones, many behind the same carrier NAT exits as the app's users.
 * - `inventory_hoarding`: sneaker-bot tasks on proxies. They poll the product from `lead_s`
 *   before the release with no assets, then at the release burst add-to-cart POSTs every
 *   100–400 ms until one succeeds, order at once, and start again with the next account;
 *   after the stock is gone they keep hammering for restocks. Each task rotates its proxy
 *   address every `requests_per_address` requests, and wears its profile's client: often an
 *   exact copy of the app's or a browser's fingerprint, the one the real buyers have.
 */
import { TOOLS, attackerAddress, attackerClient } from '../attackers.js';
import { pickAudienceBrowser } from '../clients.js';
import type { Random } from '../random.js';
import type { AttackerProfile } from '../scenario.js';
import { Identity, type Actor, type World } from '../world.js';
import { appIdentity } from './api-sessions.js';
import { humanContext, humanScoring, type HumanContext } from './humans.js';
import { releaseOf, type ReleaseState } from './release-state.js';

type Stage = 'waiting' | 'cart' | 'checkout_page' | 'order';

/** One real buyer: wait (refreshing), add to cart, check out. */
class Buyer implements Actor {
  next_ms: number;
  private stage: Stage = 'waiting';
  private shellLoaded = false;
  private retries = 0;

  constructor(
    private readonly who: Identity,
    private readonly app: boolean,
    private readonly release: ReleaseState,
    private readonly context: HumanContext,
    start_ms: number,
  ) {
    this.next_ms = start_ms;
  }

  step(world: World): boolean {
    const random = this.context.random;
    const site = world.site;
    const product = this.release.product;
    const referer = this.app ? '' : `https://${site.host}/product/${product}`;
    switch (this.stage) {
      case 'waiting': {
        this.view(world);
        if (this.release.live(world.now)) {
          this.stage = 'cart';
          this.next_ms = world.now + random.uniform(1_500, 6_000);
        } else {
          this.next_ms = Math.min(this.release.at_ms + random.uniform(200, 3_000), world.now + random.uniform(3_000, 15_000));
        }
        return true;
      }
      case 'cart': {
        const taken = this.release.take();
        const status = world.emit(this.who, world.now, 'POST', this.app ? site.apiCartAdd(random, !taken) : site.cartAdd(random, !taken), referer);
        if (status >= 500 && taken) this.release.giveBack();
        if (status >= 500 && this.retries++ < 3) {
          this.next_ms = world.now + random.uniform(1_000, 4_000);
          return true;
        }
        if (status !== 200) return false; // sold out: they leave
        this.stage = this.app ? 'order' : 'checkout_page';
        this.next_ms = world.now + random.uniform(1_000, 4_000);
        return true;
      }
      case 'checkout_page':
        world.emit(this.who, world.now, 'GET', site.dynamic('/checkout', random, 200, 'text/html', 22_000), referer);
        this.stage = 'order';
        this.next_ms = world.now + random.uniform(15_000, 60_000);
        return true;
      case 'order':
        if (this.app) world.emit(this.who, world.now, 'POST', site.apiCheckout(random), '');
        else world.emit(this.who, world.now, 'POST', site.dynamic('/checkout', random, 302, 'text/html', 450), `https://${site.host}/checkout`);
        return false;
    }
  }

  /** The product: JSON in the app; on the web the page, with the shell and images the first time. */
  private view(world: World): void {
    const random = this.context.random;
    const site = world.site;
    const now = world.now;
    if (this.app) {
      world.emit(this.who, now, 'GET', site.apiProduct(this.release.product, random), '');
      return;
    }
    const page = site.product(this.release.product, random);
    const status = world.emit(this.who, now, 'GET', page, this.shellLoaded ? site.url(page) : '');
    if (status >= 500 || this.shellLoaded) return;
    this.shellLoaded = true;
    const url = site.url(page);
    for (const asset of site.shellAssets(random)) world.emit(this.who, now + 60 + Math.min(1_100, random.lognormal(150, 0.5)), 'GET', asset, url);
    for (const image of site.pageImages('product', this.release.product, random, () => this.context.popularProduct())) world.emit(this.who, now + 150 + Math.min(1_000, random.lognormal(350, 0.5)), 'GET', image, url);
  }
}

export function startReleaseRush(world: World, random: Random): void {
  const config = world.scenario.human_release_rush;
  const release = releaseOf(world);
  const context = humanContext(world, random);
  for (let i = 0; i < config.buyers; i++) {
    const actor = `buyer:${i}`;
    const app = random.chance(config.app_share);
    let who: Identity;
    if (app) {
      who = appIdentity(world, context, 'human_release_rush', actor);
    } else {
      const browser = pickAudienceBrowser(random, world.scenario.human.mobile_share);
      // Phones on a carrier: sometimes behind the very NAT exit the app's users share.
      const address = browser.mobile && random.chance(0.3) ? world.addresses.claim('human_release_rush', 'shared', () => world.pools.natExit(random)) : world.addresses.claim('human_release_rush', 'same-class', () => context.address(browser.mobile));
      who = new Identity('human_release_rush', actor, address, browser.user_agent, browser.ja4, browser.ja3 ?? random.hex(32), humanScoring(random, world.scenario.human.false_positive_share), 'browser');
    }
    const early = random.chance(config.early_share);
    const start = early ? release.at_ms - random.uniform(10_000, 120_000) : release.at_ms + Math.min(config.rush_s * 1_000, random.exponential((config.rush_s * 1_000) / 3));
    world.schedule(new Buyer(who, app, release, context, start));
  }
}

/** One hoarding task: poll, then cart and order, account after account, rotating proxies. */
class HoardingTask implements Actor {
  next_ms: number;
  private sent = 0;
  private carted = false;

  constructor(
    private readonly who: Identity,
    private readonly profile: AttackerProfile,
    private readonly release: ReleaseState,
    private readonly end_ms: number,
    private readonly random: Random,
    start_ms: number,
  ) {
    this.next_ms = start_ms;
  }

  step(world: World): boolean {
    const random = this.random;
    const site = world.site;
    const app = this.profile.copies === 'app';
    const referer = app ? '' : `https://${site.host}/product/${this.release.product}`;
    if (this.sent > 0 && this.sent % world.scenario.inventory_hoarding.requests_per_address === 0) this.rotate(world);
    this.sent += 1;
    if (!this.release.live(world.now)) {
      // Monitoring: the product's page or JSON, no assets, until it goes live.
      world.emit(this.who, world.now, 'GET', app ? site.apiProduct(this.release.product, random) : site.product(this.release.product, random), '');
      this.next_ms = Math.min(this.release.at_ms + random.uniform(0, 300), world.now + random.uniform(500, 2_000));
    } else if (!this.carted) {
      const taken = this.release.take();
      const status = world.emit(this.who, world.now, 'POST', app ? site.apiCartAdd(random, !taken) : site.cartAdd(random, !taken), referer);
      if (status >= 500 && taken) this.release.giveBack();
      this.carted = status === 200;
      // Burst while stock lasts; after the sell-out, poll for a restock every 0.5–2 s.
      this.next_ms = world.now + (this.carted ? random.uniform(100, 400) : this.release.soldOut ? random.uniform(500, 2_000) : random.uniform(100, 400));
    } else {
      world.emit(this.who, world.now, 'POST', app ? site.apiCheckout(random) : site.dynamic('/checkout', random, 302, 'text/html', 450), referer);
      this.carted = false;
      this.next_ms = world.now + random.uniform(200, 1_500);
    }
    return this.next_ms < this.end_ms;
  }

  private rotate(world: World): void {
    this.who.moveTo(attackerAddress(world, 'inventory_hoarding', this.profile.network, this.random));
    if (this.profile.user_agent === 'rotating_browser') this.who.wear(attackerClient(this.profile, this.random, TOOLS.axios));
  }
}

const DEFAULT_PROFILE: AttackerProfile = { network: 'proxy_customers', user_agent: 'copy_human', copies: 'app' };

export function startInventoryHoarding(world: World, random: Random): void {
  const config = world.scenario.inventory_hoarding;
  const release = releaseOf(world);
  const profile = world.scenario.attackers.inventory_hoarding ?? DEFAULT_PROFILE;
  const end = Math.min(world.end_ms, release.at_ms + config.duration_s * 1_000);
  for (let i = 0; i < config.tasks; i++) {
    const client = attackerClient(profile, random, TOOLS.axios);
    const who = new Identity('inventory_hoarding', `hoarding-task:${i}`, attackerAddress(world, 'inventory_hoarding', profile.network, random), client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
    world.schedule(new HoardingTask(who, profile, release, end, random, release.at_ms - config.lead_s * 1_000 * random.uniform(0.7, 1)));
  }
}
