/**
 * Humans shopping: `human` (own residential or mobile address) and `human_shared_ip` (20–80
 * people behind one office or carrier-NAT address, each with their own browser).
 *
 * A session lands (from a search engine, directly, or from social), browses category, product
 * and search pages with lognormal think times, and each page pulls its assets from the same
 * address and browser within ~1 s: the whole shell on the first page, then only new images
 * (the browser cache holds the rest). Some log in (10% of attempts fail with 401 and are
 * retried), add to cart and check out. A 5xx is reloaded after a few seconds half the time.
 * Sessions arrive as a Poisson process; a 3-minute warm-up before the start means the run
 * begins in steady state instead of with an empty shop.
 *
 * In a world (scenario.networks set) phones and homes come from the world's shared pools (the
 * same carrier /24s as app users and mobile proxies), the share of phones is the world's, and
 * arrivals follow its traffic shape.
 */
import { BUSINESS, CarrierPool, MOBILE, addressIn, pickResidential, type Address } from '../networks.js';
import { pickAudienceBrowser, pickBrowser, type Audience } from '../clients.js';
import { Zipf, type Random } from '../random.js';
import type { Scenario } from '../scenario.js';
import type { PageKind, Resource } from '../site.js';
import { shapedRate } from '../traffic-shape.js';
import { Identity, scored, type Actor, type BotScoring, type World } from '../world.js';
import { HumanSession } from './human-session.js';

/** Sessions already under way when the run starts. */
export const WARMUP_MS = 180_000;

/** How sessions arrive: search (Google keeps ~90% of it), direct/typed/app/email (no referer), social. */
const LANDING_REFERERS: readonly (readonly [number, string])[] = [
  [45, 'https://www.google.com/'], [5, 'https://www.bing.com/'], [40, ''], [6, 'https://l.facebook.com/'], [4, 'https://www.instagram.com/'],
];

const LANDING_PAGES: readonly (readonly [number, PageKind])[] = [[35, 'home'], [35, 'product'], [20, 'category'], [10, 'search']];
/** Where a shopper clicks next, by the kind of page they are on. */
const CLICKS: Record<PageKind, readonly (readonly [number, PageKind])[]> = {
  home: [[50, 'category'], [25, 'product'], [25, 'search']],
  category: [[65, 'product'], [20, 'category'], [15, 'search']],
  product: [[40, 'product'], [30, 'category'], [15, 'search'], [15, 'home']],
  search: [[70, 'product'], [20, 'search'], [10, 'category']],
};

export interface Page {
  resource: Resource;
  kind: PageKind;
  /** Product id for product pages, else 0. */
  product: number;
}

/** Bot Management's view of a human: mostly 60–99, 2% in 30–59, and its false positives at 10–29. */
export function humanScoring(random: Random, falsePositiveShare: number): BotScoring {
  const src = random.weighted([[85, 'Machine Learning'], [10, 'Behavioral Analysis'], [5, 'JS Fingerprinting']] as const);
  if (random.chance(falsePositiveShare)) {
    const base = random.int(12, 27);
    return scored(base - 2, base + 2, src);
  }
  if (random.chance(0.02)) {
    const base = random.int(32, 57);
    return scored(base - 2, base + 2, src);
  }
  const base = Math.max(62, 99 - Math.floor(random.exponential(10)));
  return scored(base - 2, Math.min(99, base + 2), src);
}

/** Shared state of one population of sessions. */
export class HumanContext {
  readonly popularity: Zipf;
  readonly pools: CarrierPool[];

  constructor(
    readonly scenario: Scenario,
    readonly random: Random,
    /** The world's carrier pools; null: draw this population's own (the default scenario). */
    shared: readonly CarrierPool[] | null = null,
  ) {
    this.popularity = new Zipf(scenario.catalogue.products, scenario.catalogue.popularity_exponent);
    // ~60 NAT /24s per carrier: a few mobile humans per /24, as carrier-grade NAT does.
    this.pools = shared === null ? MOBILE.map((net) => new CarrierPool(net, random, 60)) : [...shared];
  }

  /** A phone's address (carrier NAT /24 or IPv6) or a home's, as the scenario says. */
  address(mobile: boolean): Address {
    const { random, scenario } = this;
    if (mobile) return random.pick(this.pools).address(random, scenario.human.mobile_ipv6_share);
    return addressIn(pickResidential(random), random, scenario.human.home_ipv6_share);
  }

  popularProduct(): number {
    return this.popularity.sample(this.random) + 1;
  }

  landingReferer(): string {
    return this.random.weighted(LANDING_REFERERS);
  }

  landing(world: World): Page {
    return this.page(world, this.random.weighted(LANDING_PAGES));
  }

  /** The next page from `from`, as a shopper clicks. */
  next(world: World, from: PageKind): Page {
    return this.page(world, this.random.weighted(CLICKS[from]));
  }

  page(world: World, kind: PageKind): Page {
    const random = this.random;
    const site = world.site;
    switch (kind) {
      case 'home':
        return { resource: site.home(random), kind, product: 0 };
      case 'category':
        return { resource: site.categoryPage(site.category(random), random.chance(0.2) ? random.int(2, 5) : 1, random), kind, product: 0 };
      case 'search':
        return { resource: site.search(site.searchTerm(random), random), kind, product: 0 };
      default: {
        const product = this.popularProduct();
        return { resource: site.product(product, random), kind, product };
      }
    }
  }
}

/** A population's shared state: in a world, on the world's carrier pools. */
export function humanContext(world: World, random: Random): HumanContext {
  return new HumanContext(world.scenario, random, world.scenario.networks === null ? null : world.pools.carriers);
}

/** Poisson arrivals of `human` sessions, from the warm-up to the end. */
class HumanArrivals implements Actor {
  next_ms: number;
  private sessions = 0;

  constructor(
    private readonly context: HumanContext,
    start_ms: number,
  ) {
    this.next_ms = start_ms;
  }

  step(world: World): boolean {
    const { random, scenario } = this.context;
    const browser = pickAudienceBrowser(random, scenario.human.mobile_share);
    const address = world.addresses.claim('human', 'same-class', () => this.context.address(browser.mobile));
    const who = new Identity('human', `human:${this.sessions++}`, address, browser.user_agent, browser.ja4, browser.ja3 ?? random.hex(32), humanScoring(random, scenario.human.false_positive_share), 'browser');
    world.schedule(new HumanSession(who, this.context, world.now, 1));
    this.next_ms = world.now + random.exponential(1_000 / shapedRate(scenario.traffic_shape, scenario.human.sessions_per_s, world.now, scenario.start_ms, scenario.duration_s));
    return true;
  }
}

export function startHumans(world: World, random: Random): void {
  if (world.scenario.human.sessions_per_s <= 0) return;
  world.schedule(new HumanArrivals(humanContext(world, random), world.scenario.start_ms - WARMUP_MS));
}

/** Offices and carrier NATs: one address each, 20–80 people behind it over the run. */
export function startSharedIpGroups(world: World, random: Random): void {
  const { scenario } = world;
  const config = scenario.human_shared_ip;
  const context = humanContext(world, random);
  for (let group = 0; group < config.groups; group++) {
    const office = random.chance(config.office_share);
    const audience: Audience = office ? 'office' : 'mobile';
    const address = world.addresses.claim('human_shared_ip', 'same-class', () => (office ? addressIn(random.pick(BUSINESS), random) : random.pick(context.pools).address(random, 0)));
    const users = random.int(config.users_min, config.users_max);
    const span = scenario.duration_s * 1_000 * 0.8;
    for (let user = 0; user < users; user++) {
      const browser = pickBrowser(random, audience);
      const name = `${office ? 'office' : 'nat'}:${group}/user:${user}`;
      const who = new Identity('human_shared_ip', name, address, browser.user_agent, browser.ja4, browser.ja3 ?? random.hex(32), humanScoring(random, scenario.human.false_positive_share), 'browser');
      // People behind one address keep coming and going all run long; office workers browse longer.
      const start = scenario.start_ms - 120_000 + random.float() * (span + 120_000);
      world.schedule(new HumanSession(who, context, start, office ? 1.5 : 1));
    }
  }
}
