/**
 * Humans who do not look like a browser loading pages:
 * - `human_spa`: shoppers on the single-page app. One page load (the HTML and the shell assets,
 *   then the app's boot calls `/api/session` and `/api/cart`), then every view is XHR:
 *   `/api/products/<id>` with `/api/recommendations`, `/api/categories/…`, `/api/search`, and a
 *   page-view event to `/api/events`; product images come from an image CDN on another host (not
 *   in this zone's logs), so after the first second the session is all `/api/…`. While the tab
 *   is open it beacons `/api/events` and polls `/api/cart` every ~45 s. Logins, carts and orders
 *   go through the API too.
 * - `human_app`: the mobile app. API calls only, never an asset (the UI ships in the app,
 *   images come from the CDN), OkHttp's or CFNetwork's User-Agent and TLS fingerprint, no
 *   Referer. Most of its users sit behind a few carrier NAT exits, hundreds of people on one
 *   address; Bot Management, which cannot run JavaScript in an app, scores some of them under 30.
 *
 * A view is 1–3 calls within ~0.6 s; views are a think time apart (the humans' lognormal).
 * Both arrive as Poisson processes following the world's traffic shape, with a warm-up.
 */
import { pickAppClient, pickAudienceBrowser } from '../clients.js';
import type { Address } from '../networks.js';
import type { Random } from '../random.js';
import { shapedRate } from '../traffic-shape.js';
import { Identity, scored, type Actor, type World } from '../world.js';
import { HumanContext, WARMUP_MS, humanContext, humanScoring, type Page } from './humans.js';

type Kind = 'spa' | 'app';

/** One session of the single-page app or the mobile app. */
export class ApiSession implements Actor {
  next_ms: number;
  private views: number;
  private page: Page | null = null;
  /** Next foreground action (a view, a login, a cart add, the order) and next background call. */
  private nextAction: number;
  private nextBackground: number;
  private readonly plan: ('login' | 'cart' | 'checkout')[] = [];
  private wantsCart: boolean;
  private wantsCheckout: boolean;
  private readonly loginAt: number;
  private inCart = 0;

  constructor(
    private readonly kind: Kind,
    private readonly who: Identity,
    private readonly context: HumanContext,
    start_ms: number,
    meanViews: number,
    private readonly background_ms: number,
  ) {
    const random = context.random;
    const config = context.scenario.human;
    this.next_ms = start_ms;
    this.nextAction = start_ms;
    this.views = random.chance(config.bounce_share * (kind === 'app' ? 0.5 : 1)) ? 1 : Math.min(60, 1 + Math.max(1, Math.round(random.exponential(meanViews))));
    this.wantsCart = this.views > 2 && random.chance(config.add_to_cart_share);
    this.wantsCheckout = this.wantsCart && random.chance(config.checkout_share);
    this.loginAt = random.chance(config.login_share) ? random.int(1, this.views) : -1;
    this.nextBackground = start_ms + background_ms * random.uniform(0.3, 1);
  }

  step(world: World): boolean {
    const random = this.context.random;
    const site = world.site;
    if (world.now < this.nextAction) {
      // A background call while the user reads: the analytics beacon, and the SPA's cart poll.
      world.emit(this.who, world.now, 'POST', site.apiEvents(random), this.referer(world));
      if (this.kind === 'spa') world.emit(this.who, world.now + random.uniform(20, 200), 'GET', site.api('/api/cart', random, 700), this.referer(world));
      this.nextBackground = world.now + this.background_ms * random.uniform(0.8, 1.2);
    } else if (!this.act(world)) {
      return false;
    }
    this.next_ms = Math.min(this.nextAction, this.nextBackground);
    return true;
  }

  /** The next foreground action; false when the session is over. */
  private act(world: World): boolean {
    const random = this.context.random;
    const site = world.site;
    const step = this.plan.shift();
    let pause = this.think();
    if (step === 'login') {
      const failed = random.chance(this.context.scenario.human.login_failure_share);
      world.emit(this.who, world.now, 'POST', site.apiLogin(!failed, random), this.referer(world));
      if (failed && random.chance(0.75)) this.plan.unshift('login');
      pause = random.uniform(4_000, 12_000);
    } else if (step === 'cart') {
      if (world.emit(this.who, world.now, 'POST', site.apiCartAdd(random), this.referer(world)) === 200) this.inCart += 1;
      pause = random.uniform(1_500, 6_000);
    } else if (step === 'checkout') {
      world.emit(this.who, world.now, 'POST', site.apiCheckout(random), this.referer(world));
      return false;
    } else if (this.page === null) {
      this.open(world);
    } else if (this.views <= 0) {
      if (!this.wantsCheckout || this.inCart === 0) return false;
      this.wantsCheckout = false;
      this.plan.push('checkout');
      pause = random.uniform(20_000, 90_000);
    } else {
      this.view(world, this.context.next(world, this.page.kind));
    }
    if (step === undefined && this.views > 0) {
      this.views -= 1;
      if (this.views === this.loginAt) this.plan.push('login');
      if (this.wantsCart && this.page?.kind === 'product') {
        this.wantsCart = false;
        this.plan.push('cart');
      }
    }
    this.nextAction = world.now + pause;
    return true;
  }

  private think(): number {
    const { random, scenario } = this.context;
    const median = scenario.human.think_median_s * 1_000 * (this.kind === 'app' ? 0.7 : 1);
    return Math.min(300_000, Math.max(1_500, random.lognormal(median, scenario.human.think_sigma)));
  }

  /** The SPA's page load (HTML, then the shell), or the app's launch (config, home). */
  private open(world: World): void {
    const random = this.context.random;
    const now = world.now;
    if (this.kind === 'app') {
      world.emit(this.who, now, 'GET', world.site.apiConfig(), '');
      this.view(world, this.context.page(world, 'home'), now + random.uniform(150, 400));
      return;
    }
    const landing = this.context.landing(world);
    const status = world.emit(this.who, now, 'GET', landing.resource, this.context.landingReferer());
    if (status < 500) {
      const url = world.site.url(landing.resource);
      for (const asset of world.site.shellAssets(random)) world.emit(this.who, now + 60 + Math.min(1_100, random.lognormal(150, 0.5)), 'GET', asset, url);
    }
    this.page = landing;
    // The app boots: who the visitor is, their cart, a page-view event; then the page's data as JSON.
    const boot = now + random.uniform(300, 700);
    const referer = this.referer(world);
    world.emit(this.who, boot, 'GET', world.site.api('/api/session', random, 600), referer);
    world.emit(this.who, boot + random.uniform(10, 80), 'GET', world.site.api('/api/cart', random, 700), referer);
    this.calls(world, landing, boot + random.uniform(50, 300));
  }

  private view(world: World, page: Page, at = world.now): void {
    this.page = page;
    this.calls(world, page, at);
  }

  private calls(world: World, page: Page, at: number): void {
    const random = this.context.random;
    const site = world.site;
    const referer = this.referer(world);
    // Every view (a route change in the SPA, a screen in the app) is also an analytics event.
    world.emit(this.who, at + random.uniform(100, 600), 'POST', site.apiEvents(random), referer);
    switch (page.kind) {
      case 'product':
        world.emit(this.who, at, 'GET', site.apiProduct(page.product, random), referer);
        world.emit(this.who, at + random.uniform(80, 500), 'GET', site.recommendations(page.product, random), referer);
        break;
      case 'category':
        world.emit(this.who, at, 'GET', site.apiCategory(site.category(random), random.chance(0.2) ? random.int(2, 5) : 1, random), referer);
        break;
      case 'search':
        world.emit(this.who, at, 'GET', site.apiSearch(site.searchTerm(random), random), referer);
        break;
      case 'home':
        world.emit(this.who, at, 'GET', site.api('/api/home', random, 14_000), referer);
        break;
    }
  }

  /** The SPA's XHRs carry the page's URL as Referer; the app sends none. */
  private referer(world: World): string {
    return this.kind === 'app' ? '' : `https://${world.site.host}/`;
  }
}

/** An app user's address: a carrier NAT exit shared by hundreds (`nat_share`), else their phone's carrier /24 or home Wi-Fi. */
export function appAddress(world: World, context: HumanContext, cls: 'human_app' | 'human_release_rush'): Address {
  const random = context.random;
  if (random.chance(world.scenario.human_app.nat_share)) return world.addresses.claim(cls, 'shared', () => world.pools.natExit(random));
  return world.addresses.claim(cls, 'same-class', () => context.address(random.chance(0.7)));
}

/** An app user's identity: OkHttp or CFNetwork, and Bot Management's unsure view of an app. */
export function appIdentity(world: World, context: HumanContext, cls: 'human_app' | 'human_release_rush', actor: string): Identity {
  const random = context.random;
  const app = pickAppClient(random, world.scenario.human_app.ios_share);
  const scoring = random.chance(world.scenario.human_app.low_score_share) ? scored(random.int(8, 20), random.int(22, 29)) : humanScoring(random, 0);
  return new Identity(cls, actor, appAddress(world, context, cls), app.user_agent, app.ja4, app.ja3, scoring, app.platform === 'ios' ? 'browser' : 'auto');
}

class Arrivals implements Actor {
  next_ms: number;
  private sessions = 0;

  constructor(
    private readonly kind: Kind,
    private readonly context: HumanContext,
    start_ms: number,
  ) {
    this.next_ms = start_ms;
  }

  step(world: World): boolean {
    const { random, scenario } = this.context;
    const actor = `${this.kind}:${this.sessions++}`;
    let who: Identity;
    let rate: number;
    if (this.kind === 'app') {
      who = appIdentity(world, this.context, 'human_app', actor);
      rate = scenario.human_app.sessions_per_s;
      world.schedule(new ApiSession('app', who, this.context, world.now, scenario.human_app.mean_screens, 30_000));
    } else {
      const browser = pickAudienceBrowser(random, scenario.human.mobile_share);
      const address = world.addresses.claim('human_spa', 'same-class', () => this.context.address(browser.mobile));
      who = new Identity('human_spa', actor, address, browser.user_agent, browser.ja4, browser.ja3 ?? random.hex(32), humanScoring(random, scenario.human.false_positive_share), 'browser');
      rate = scenario.human_spa.sessions_per_s;
      world.schedule(new ApiSession('spa', who, this.context, world.now, scenario.human_spa.mean_views, scenario.human_spa.background_interval_s * 1_000));
    }
    this.next_ms = world.now + random.exponential(1_000 / shapedRate(scenario.traffic_shape, rate, world.now, scenario.start_ms, scenario.duration_s));
    return true;
  }
}

export function startSpaHumans(world: World, random: Random): void {
  if (world.scenario.human_spa.sessions_per_s <= 0) return;
  world.schedule(new Arrivals('spa', humanContext(world, random), world.scenario.start_ms - WARMUP_MS));
}

export function startAppHumans(world: World, random: Random): void {
  if (world.scenario.human_app.sessions_per_s <= 0) return;
  world.schedule(new Arrivals('app', humanContext(world, random), world.scenario.start_ms - WARMUP_MS));
}
