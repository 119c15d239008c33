/**
 * One human's visit: a small state machine stepping through pages, with the assets each page
 * pulls in and the occasional login, add-to-cart and checkout.
 *
 * Timing: a page's assets follow within ~1.2 s (HTML parse, then CSS/JS/fonts, then images and
 * XHR), from the same address and browser, referred by the page. Between pages the reader
 * thinks (lognormal, median `think_median_s`, clamped to 1.5 s – 5 min). Typing credentials
 * takes 6–25 s; a failed login is retried three times out of four.
 */
import type { Identity, Actor, World } from '../world.js';
import type { HumanContext, Page } from './humans.js';

type Step = 'browse' | 'reload' | 'login_form' | 'login_submit' | 'add_to_cart' | 'checkout' | 'checkout_submit';

/** Latest an asset of a page may start, after the page itself. */
const ASSET_WINDOW_MS = 1_200;

export class HumanSession implements Actor {
  next_ms: number;
  private pagesLeft: number;
  private pagesSeen = 0;
  private page: Page | null = null;
  private shellLoaded = false;
  private readonly plan: Step[] = [];
  private readonly loginAfter: number;
  private wantsCart: boolean;
  private wantsCheckout: boolean;
  private inCart = 0;
  private readonly landingReferer: string;

  constructor(
    private readonly who: Identity,
    private readonly context: HumanContext,
    start_ms: number,
    pagesFactor: number,
  ) {
    const random = context.random;
    const config = context.scenario.human;
    this.next_ms = start_ms;
    this.pagesLeft = random.chance(config.bounce_share) ? 1 : Math.min(40, 1 + Math.max(1, Math.round(random.exponential(config.mean_pages) * pagesFactor)));
    this.loginAfter = random.chance(config.login_share) ? random.int(1, this.pagesLeft) : -1;
    this.wantsCart = this.pagesLeft > 1 && random.chance(config.add_to_cart_share);
    this.wantsCheckout = this.wantsCart && random.chance(config.checkout_share);
    this.landingReferer = context.landingReferer();
  }

  step(world: World): boolean {
    const random = this.context.random;
    const site = world.site;
    const step = this.plan.shift() ?? 'browse';
    let pause = this.think();
    switch (step) {
      case 'browse': {
        if (this.pagesLeft <= 0) {
          if (!this.wantsCheckout || this.inCart === 0) return false;
          this.wantsCheckout = false;
          this.plan.push('checkout', 'checkout_submit');
          pause = random.uniform(2_000, 8_000);
          break;
        }
        this.pagesLeft -= 1;
        const page = this.page === null ? this.context.landing(world) : this.context.next(world, this.page.kind);
        this.view(world, page, this.page === null ? this.landingReferer : site.url(this.page.resource));
        this.pagesSeen += 1;
        if (this.pagesSeen === this.loginAfter) this.plan.push('login_form', 'login_submit');
        if (page.kind === 'product' && this.wantsCart && this.pagesSeen > 1) {
          this.wantsCart = false;
          this.plan.push('add_to_cart');
        }
        break;
      }
      case 'reload':
        if (this.page !== null) this.view(world, this.page, site.url(this.page.resource));
        break;
      case 'login_form':
        this.other(world, site.dynamic('/login', random, 200, 'text/html', 14_000));
        pause = random.uniform(6_000, 25_000);
        break;
      case 'login_submit': {
        const success = !random.chance(world.scenario.human.login_failure_share);
        const status = world.emit(this.who, world.now, 'POST', site.loginResult(success, random), `https://${site.host}/login`);
        if (status === 302) {
          this.other(world, site.dynamic('/account', random, 200, 'text/html', 16_000), world.now + random.uniform(80, 250));
        } else if (random.chance(0.75)) {
          this.plan.unshift('login_submit');
          pause = random.uniform(4_000, 12_000);
        }
        break;
      }
      case 'add_to_cart': {
        const referer = this.page === null ? '' : site.url(this.page.resource);
        const status = world.emit(this.who, world.now, 'POST', site.dynamic('/cart/add', random, 200, 'application/json', 1_400), referer);
        if (status === 200) this.inCart += 1;
        break;
      }
      case 'checkout':
        this.other(world, site.dynamic('/checkout', random, 200, 'text/html', 22_000));
        pause = random.uniform(20_000, 90_000);
        break;
      case 'checkout_submit': {
        const status = world.emit(this.who, world.now, 'POST', site.dynamic('/checkout', random, 302, 'text/html', 450), `https://${site.host}/checkout`);
        if (status === 302) this.other(world, site.dynamic('/order/confirmation', random, 200, 'text/html', 15_000), world.now + random.uniform(80, 250));
        return false;
      }
    }
    this.next_ms = world.now + pause;
    return true;
  }

  private think(): number {
    const config = this.context.scenario.human;
    return Math.min(300_000, Math.max(1_500, this.context.random.lognormal(config.think_median_s * 1_000, config.think_sigma)));
  }

  /** A catalogue page and everything it loads. A 5xx is reloaded after 2–6 s, half the time. */
  private view(world: World, page: Page, referer: string): void {
    const random = this.context.random;
    const now = world.now;
    const status = world.emit(this.who, now, 'GET', page.resource, referer);
    if (status >= 500) {
      if (random.chance(0.5)) this.plan.unshift('reload');
      return;
    }
    this.page = page;
    const url = world.site.url(page.resource);
    const latest = now + ASSET_WINDOW_MS;
    if (!this.shellLoaded) {
      this.shellLoaded = true;
      for (const asset of world.site.shellAssets(random)) world.emit(this.who, Math.min(latest, now + 60 + random.lognormal(150, 0.5)), 'GET', asset, url);
    }
    for (const image of world.site.pageImages(page.kind, page.product, random, () => this.context.popularProduct())) {
      world.emit(this.who, Math.min(latest, now + 150 + random.lognormal(350, 0.5)), 'GET', image, url);
    }
    if (page.kind === 'product') world.emit(this.who, now + random.uniform(400, 900), 'GET', world.site.recommendations(page.product, random), url);
  }

  /** A non-catalogue page (login, account, checkout): the page, and the shell if not loaded yet. */
  private other(world: World, resource: Page['resource'], at = world.now): void {
    const random = this.context.random;
    const referer = this.page === null ? '' : world.site.url(this.page.resource);
    const status = world.emit(this.who, at, 'GET', resource, referer);
    if (status >= 500 || this.shellLoaded) return;
    this.shellLoaded = true;
    const url = world.site.url(resource);
    for (const asset of world.site.shellAssets(random)) world.emit(this.who, Math.min(at + ASSET_WINDOW_MS, at + 60 + random.lognormal(150, 0.5)), 'GET', asset, url);
  }
}
