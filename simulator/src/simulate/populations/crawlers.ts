/**
 * Crawlers and other declared automation:
 * - `verified_crawler`: Googlebot and Bingbot crawling hard (12 and 5 pages/s at scale 1) from
 *   addresses inside their published ranges, no assets, Bot Management's verified-bot fields.
 *   Googlebot mostly crawls as a smartphone (mobile-first indexing), Bingbot mostly as desktop.
 * - `fake_googlebot`: the Googlebot User-Agent from hosting networks, scraping products.
 * - `good_bot_harmless`: uptime checks (UptimeRobot, Pingdom, the site's own blackbox probe), and
 *   SEO crawlers (AhrefsBot, verified; an agency's Screaming Frog audit, not), all slow.
 *
 * In a world, fake Googlebots come from their profile's network, and monitors, SEO crawlers and
 * link previews of the released product from the same cloud /24s as the world's scrapers
 * (Facebook's previews excepted: they only ever come from Meta's AS 32934).
 *
 * Crawlers pick products uniformly (they walk the sitemap, not the bestsellers), hit stale
 * URLs now and then (3% 404s) and re-read robots.txt; /search is disallowed to them.
 */
import { ipv4Cidr, randomIpv4In, type Cidr } from '../addresses.js';
import { attackerAddress } from '../attackers.js';
import { BINGBOT_UA, GOOGLEBOT_UA, JA3, JA4, TOOL_UA } from '../clients.js';
import { BUSINESS, GOOGLE, HOSTING, META, MICROSOFT, addressIn, type Address, type Network } from '../networks.js';
import type { Random } from '../random.js';
import type { Resource } from '../site.js';
import { Identity, scored, verifiedBot, type World } from '../world.js';
import { PeriodicActor, PoissonActor, at } from './actors.js';
import { releasedProduct } from './release-state.js';

/** What a crawler fetches: products uniformly, category listings, robots and sitemaps, stale URLs. */
function crawlTarget(world: World, random: Random): Resource {
  const site = world.site;
  const draw = random.float();
  if (draw < 0.003) return site.robots();
  if (draw < 0.013) return site.sitemap(random.int(1, 8));
  if (draw < 0.043) return site.product(site.products + random.int(1, 2_000), random);
  if (draw < 0.2) return site.categoryPage(site.category(random), random.int(1, 20), random);
  if (draw < 0.21) return site.home(random);
  return site.product(random.int(1, site.products), random);
}

function rangeAddresses(world: World, random: Random, cidrs: readonly string[], net: Network, count: number): Address[] {
  const ranges = cidrs.map((text) => ipv4Cidr(text)).filter((cidr): cidr is Cidr => cidr !== null);
  const out: Address[] = [];
  for (let i = 0; i < count; i++) {
    out.push(world.addresses.claim('verified_crawler', 'fresh', () => ({ ip: randomIpv4In(random.pick(ranges), random), asn: net.asn, country: net.country }), true));
  }
  return out;
}

export function startVerifiedCrawlers(world: World, random: Random): void {
  const config = world.scenario.verified_crawler;
  const end = at(world, world.scenario.duration_s);
  const crawl = (rate: number, identities: readonly (readonly [number, Identity])[]): void => {
    if (rate <= 0 || identities.length === 0) return;
    world.schedule(new PoissonActor(at(world, 0), end, rate, random, (w) => {
      w.emit(random.weighted(identities), w.now, 'GET', crawlTarget(w, random), '');
    }));
  };
  const google: [number, Identity][] = [];
  for (const address of rangeAddresses(world, random, config.ranges.googlebot, GOOGLE, config.googlebot_ips)) {
    const as = (ua: string): Identity => new Identity('verified_crawler', 'googlebot', address, ua, JA4.googlebot, JA3.googlebot, verifiedBot('Search Engine Crawler', ['google']));
    google.push([70, as(GOOGLEBOT_UA.smartphone)], [25, as(GOOGLEBOT_UA.desktop)], [5, as(GOOGLEBOT_UA.classic)]);
  }
  crawl(config.googlebot_pages_per_s, google);
  const bing: [number, Identity][] = [];
  for (const address of rangeAddresses(world, random, config.ranges.bingbot, MICROSOFT, config.bingbot_ips)) {
    const as = (ua: string): Identity => new Identity('verified_crawler', 'bingbot', address, ua, JA4.bingbot, JA3.bingbot, verifiedBot('Search Engine Crawler', ['bing']));
    bing.push([80, as(BINGBOT_UA.desktop)], [20, as(BINGBOT_UA.mobile)]);
  }
  crawl(config.bingbot_pages_per_s, bing);
}

export function startFakeGooglebots(world: World, random: Random): void {
  const config = world.scenario.fake_googlebot;
  const profile = world.scenario.attackers.fake_googlebot;
  for (let i = 0; i < config.ips; i++) {
    // In a world only its network varies: a fake Googlebot always says it is Googlebot.
    const address = profile === undefined ? world.addresses.claim('fake_googlebot', 'fresh', () => addressIn(random.pick(HOSTING), random)) : attackerAddress(world, 'fake_googlebot', profile.network, random);
    const python = random.chance(0.5);
    // Bot Management sees through most of them (a Googlebot UA off Google's network), not all.
    const scoring = random.chance(0.7) ? scored(1, 5, 'Heuristics') : scored(12, 40);
    const ua = random.chance(0.6) ? GOOGLEBOT_UA.classic : GOOGLEBOT_UA.smartphone;
    const who = new Identity('fake_googlebot', `fake-googlebot:${i}`, address, ua, python ? JA4.python : JA4.go, python ? JA3.python : JA3.go, scoring);
    const from = at(world, config.window.start_s + random.uniform(0, 30));
    world.schedule(new PoissonActor(from, at(world, config.window.end_s), config.requests_per_s_per_ip, random, (w) => {
      const site = w.site;
      const resource = random.chance(0.85) ? site.product(random.int(1, site.products), random) : site.categoryPage(site.category(random), random.int(1, 10), random);
      w.emit(who, w.now, 'GET', resource, '');
    }));
  }
}

/** UptimeRobot's probe networks (Limestone Networks, its long-time host) and Ahrefs' OVH ranges. */
const UPTIMEROBOT: Network = { asn: 46475, name: 'Limestone Networks', country: 'us', kind: 'hosting', cidrs: ['69.162.124.224/28', '63.143.42.240/28', '216.245.221.80/28'].map((t) => ipv4Cidr(t) as Cidr), v6: null };
const AHREFS: Network = { asn: 16276, name: 'OVH', country: 'fr', kind: 'hosting', cidrs: ['54.36.148.0/23', '51.222.253.0/26'].map((t) => ipv4Cidr(t) as Cidr), v6: null };

export function startGoodBots(world: World, random: Random): void {
  const config = world.scenario.good_bot_harmless;
  const site = world.site;
  const end = at(world, world.scenario.duration_s);
  // In a world, every good bot but the verified crawlers lives on the clouds its scrapers use.
  const shared = config.on_shared_clouds;
  const claim = (net: Network): Address => {
    if (!shared) return world.addresses.claim('good_bot_harmless', 'fresh', () => addressIn(net, random));
    // The scrapers' /24s first; if a botnet filled them, elsewhere in the same clouds.
    let tries = 0;
    return world.addresses.claim('good_bot_harmless', 'fresh', () => (tries++ < 200 ? world.pools.cloudAddress(random) : world.pools.botAddress(random)));
  };
  const probes = (name: string, net: Network, count: number, ua: string, ja4: string, ja3: string, category: string): Identity[] =>
    Array.from({ length: count }, () => new Identity('good_bot_harmless', name, claim(net), ua, ja4, ja3, category === '' ? scored(1, 1, 'Heuristics') : verifiedBot(category)));

  // External monitors check two URLs each, rotating over their probe locations.
  const uptime = probes('uptimerobot', UPTIMEROBOT, 6, TOOL_UA.uptimerobot, JA4.go, JA3.go, 'Monitoring & Analytics');
  const pingdom = probes('pingdom', HOSTING[3] as Network, 4, TOOL_UA.pingdom, JA4.openssl, JA3.openssl, 'Monitoring & Analytics');
  for (const [monitor, path] of [[uptime, '/'], [uptime, '/healthz'], [pingdom, '/']] as const) {
    const first = at(world, random.uniform(0, config.monitor_interval_s));
    world.schedule(new PeriodicActor(first, end, config.monitor_interval_s * 1_000, 1_000, random, (w) => {
      w.emit(random.pick(monitor), w.now, 'GET', path === '/' ? site.home(random) : site.health(random), '');
    }));
  }
  const blackbox = probes('blackbox-exporter', HOSTING[3] as Network, 1, TOOL_UA.blackbox, JA4.go, JA3.go, '')[0] as Identity;
  world.schedule(new PeriodicActor(at(world, random.uniform(0, config.healthcheck_interval_s)), end, config.healthcheck_interval_s * 1_000, 200, random, (w) => {
    w.emit(blackbox, w.now, 'GET', site.health(random), '');
  }));

  const ahrefs = probes('ahrefsbot', AHREFS, 3, TOOL_UA.ahrefs, JA4.openssl, JA3.openssl, 'Search Engine Optimization');
  world.schedule(new PoissonActor(at(world, 0), end, config.seo_requests_per_s, random, (w) => {
    w.emit(random.pick(ahrefs), w.now, 'GET', crawlTarget(w, random), '');
  }));

  // An agency's site audit: Screaming Frog at ~0.5 pages/s for up to three minutes.
  const frog = probes('screaming-frog', random.pick(BUSINESS), 1, TOOL_UA.screaming_frog, JA4.java, JA3.java, '')[0] as Identity;
  const auditStart = random.uniform(0, world.scenario.duration_s * 0.7);
  const auditEnd = Math.min(world.scenario.duration_s, auditStart + 180);
  world.schedule(new PoissonActor(at(world, auditStart), at(world, auditEnd), 0.5, random, (w) => {
    w.emit(frog, w.now, 'GET', crawlTarget(w, random), '');
  }));
  if (config.link_previews > 0) startLinkPreviews(world, random, claim);
}

/**
 * Link previews: when the released product is shared in chats and feeds, Slack, Facebook and
 * Discord fetch its page (no assets), most within minutes of the release.
 */
function startLinkPreviews(world: World, random: Random, claim: (net: Network) => Address): void {
  const { release, good_bot_harmless: config } = world.scenario;
  const product = releasedProduct(world);
  // Slack and Discord fetch from clouds (the world's shared ones); Facebook only from its own AS.
  const meta = (): Address => world.addresses.claim('good_bot_harmless', 'fresh', () => addressIn(META, random));
  const fetchers = [
    ['slackbot', TOOL_UA.slackbot, 'Page Preview', claim(HOSTING[3] as Network)],
    ['facebookexternalhit', TOOL_UA.facebook, 'Page Preview', meta()],
    ['discordbot', TOOL_UA.discord, '', claim(HOSTING[3] as Network)],
  ] as const;
  const identities = fetchers.map(([name, ua, category, address]) => new Identity('good_bot_harmless', name, address, ua, JA4.go, JA3.go, category === '' ? scored(1, 5, 'Heuristics') : verifiedBot(category)));
  for (let i = 0; i < config.link_previews; i++) {
    const when = release.at_s + Math.min(world.scenario.duration_s - release.at_s - 1, random.exponential(90));
    world.schedule({
      next_ms: at(world, Math.max(0, when)),
      step(w: World): boolean {
        w.emit(random.pick(identities), w.now, 'GET', w.site.product(product, random), '');
        return false;
      },
    });
  }
}
