/**
 * ClientExemption: THE answer to "may botsieve act on this client at all?", whatever the verdict
 * and whatever its subject, the client's own `ip:` or `ipua:` (its user agent on its address)
 * included. A verdict about a population (`asn:`, `prefix:`, `ja4:`, `ua:`) is a statement about
 * that population; a verified bot or a safelisted client inside it is still never blocked,
 * challenged or counted against it.
 *
 * Every path that acts on clients, or learns from them, asks this one function:
 * - the detectors' FeatureExtractor (`features.verified` / `features.safelisted`: such events are
 *   counted and never reach a detector, so no population is judged on verified traffic);
 * - the causal annotator behind `botsieve replay --annotate` (it models the edge);
 * - the origins' lookup (`RedisVerdictLookup.lookup`: an exempt client gets `allow`);
 * - the decision service of issue #12, when it is built, must call it too (and nothing else).
 * The Cloudflare rules cannot call code: they exempt `cf.client.bot`, which is the edge's own
 * verified-bot answer (see sinks/src/cloudflare-lists).
 *
 * The rules, in order (the first that holds is the answer):
 * 1. `verified_bot` / `bot_management`: Bot Management says so (`verified_bot_category` set, or
 *    `bot_score_src` "Verified Bot").
 * 2. `verified_bot` / `edge`: the enforcing side passed `verified: true`, the edge's own answer
 *    (`cf.client.bot`, `request.cf.botManagement.verifiedBot`).
 * 3. `verified_bot` / `published_ranges`, only when Bot Management did not score the request
 *    (`bot_score` absent): a known bot's user agent from the addresses (or ASN) its operator
 *    publishes, or, for the few `range` entries whose user agent is customer-set, the address
 *    alone. With Bot Management, a bot it did not verify is not trusted on our data either: the
 *    edge will not exempt it, and the detectors must see what the edge enforces on.
 * 4. `safelisted_cidr`, `private_range`, `safelisted_asn`: the configured safelist (and private
 *    addresses while `private_ranges` is on).
 *
 * Cost (`npm run bench:decide`, "of which the exemption check", Node 20, shared 2-core VM): a
 * client that is none of these costs one user-agent cache hit, one IP cache hit (a 12-character
 * hash) and an ASN set lookup, about 0.16 µs over 4,096 distinct clients. Everything is compiled at
 * construction and nothing is allocated per call (answers are preallocated frozen objects).
 */
import { CrawlerDirectory, type KnownBot, type KnownBotKind } from './known-bots.js';
import { DEFAULT_SAFELIST, Safelist, type SafelistConfig } from './safelist.js';

/** What the enforcing side knows of a client. Field names are the event's (RequestEvent fits). */
export interface ClientFacts {
  /** Client IP, any valid text form (IPv4-mapped IPv6 is its IPv4). */
  readonly ip: string;
  /** The exact User-Agent header. */
  readonly user_agent?: string | null | undefined;
  /** Autonomous system number; 0 or absent when unknown. */
  readonly asn?: number | null | undefined;
  /** Bot Management's score: present means Bot Management ran on this request. */
  readonly bot_score?: number | null | undefined;
  /** Bot Management's BotScoreSrc (`Verified Bot` for verified bots). */
  readonly bot_score_src?: string | null | undefined;
  /** Bot Management's VerifiedBotCategory (set only for verified bots). */
  readonly verified_bot_category?: string | null | undefined;
  /** The edge's own verified-bot answer when the enforcing side has it (`cf.client.bot`). */
  readonly verified?: boolean | null | undefined;
}

export type ExemptionReason = 'verified_bot' | 'safelisted_cidr' | 'private_range' | 'safelisted_asn';
export type ExemptionSource = 'bot_management' | 'edge' | 'published_ranges' | 'safelist';

/** Why a client is exempt. Shared frozen objects: compare fields, never identity across instances. */
export interface Exemption {
  readonly reason: ExemptionReason;
  readonly source: ExemptionSource;
  /** verified_bot: the bot's name in the data (`googlebot`, `uptimerobot`), '' when the edge verified a bot the data does not name; '' otherwise. */
  readonly name: string;
  /** verified_bot: the bot's kind in the data, '' when unknown or not a bot. */
  readonly kind: KnownBotKind | '';
}

/** The user agent's candidate bots (`ua_and_range` entries whose pattern matches), from `userAgentBots`. */
export type UserAgentBots = readonly KnownBot[];

export interface ClientExemptionOptions {
  /** The compiled safelist; default: nothing listed, private ranges on. */
  safelist?: Safelist;
  /** The known-bot data; default: the data shipped with botsieve (loaded once per process). */
  bots?: CrawlerDirectory;
}

const VERIFIED_BOT_SOURCE = 'verified bot';
const NO_BOTS: UserAgentBots = Object.freeze([]);
/** Distinct user agents whose candidate bots are remembered; cleared when full (a spray of random UAs only churns it). */
const UA_CACHE_SIZE = 10_000;
/** Longer user agents are matched but not remembered (8 KiB headers would bloat the cache). */
const MAX_CACHED_USER_AGENT_LENGTH = 1_024;
/** IPs whose address-only answer is remembered (a power of two, direct-mapped). */
const IP_CACHE_SIZE = 4_096;
/** Address-only answers in the IP cache: two flag bits, and range-only bot `i` as (i + 1) << IP_BOT_SHIFT. */
const IP_SAFELISTED = 1;
const IP_PRIVATE = 2;
const IP_BOT_SHIFT = 2;

function freeze(reason: ExemptionReason, source: ExemptionSource, name = '', kind: KnownBotKind | '' = ''): Exemption {
  return Object.freeze({ reason, source, name, kind });
}

let shipped: CrawlerDirectory | undefined;

/** The shipped bot data, loaded on first use and shared by everything in the process. */
export function shippedCrawlerDirectory(): CrawlerDirectory {
  shipped ??= CrawlerDirectory.load();
  return shipped;
}

export class ClientExemption {
  private readonly safelist: Safelist;
  private readonly bots: CrawlerDirectory;
  /** `ua_and_range` entries, tried against the user agent. */
  private readonly uaBots: readonly KnownBot[];
  /** `range` entries, tried against the address alone. */
  private readonly rangeBots: readonly KnownBot[];
  private readonly uaCache = new Map<string, UserAgentBots>();
  private readonly ipKeys: (string | undefined)[] = new Array<string | undefined>(IP_CACHE_SIZE).fill(undefined);
  private readonly ipValues = new Int32Array(IP_CACHE_SIZE);
  // Preallocated answers: one per bot and source, and one per safelist reason.
  private readonly byRanges: readonly Exemption[];
  private readonly byBotManagement: readonly Exemption[];
  private readonly byEdge: readonly Exemption[];
  private readonly unnamedBotManagement = freeze('verified_bot', 'bot_management');
  private readonly unnamedEdge = freeze('verified_bot', 'edge');
  private readonly safelistedCidr = freeze('safelisted_cidr', 'safelist');
  private readonly privateRange = freeze('private_range', 'safelist');
  private readonly safelistedAsn = freeze('safelisted_asn', 'safelist');

  /** Compiles everything once; `options` default to the shipped data and the default safelist. */
  constructor(options: ClientExemptionOptions = {}) {
    this.safelist = options.safelist ?? new Safelist(DEFAULT_SAFELIST);
    this.bots = options.bots ?? shippedCrawlerDirectory();
    this.uaBots = this.bots.bots.filter((bot) => bot.match === 'ua_and_range' && bot.pattern !== null);
    this.rangeBots = this.bots.bots.filter((bot) => bot.match === 'range');
    this.byRanges = this.bots.bots.map((bot) => freeze('verified_bot', 'published_ranges', bot.name, bot.kind));
    this.byBotManagement = this.bots.bots.map((bot) => freeze('verified_bot', 'bot_management', bot.name, bot.kind));
    this.byEdge = this.bots.bots.map((bot) => freeze('verified_bot', 'edge', bot.name, bot.kind));
  }

  /** From the `safelist` config section (validated), loading its `crawlers_file` when set. */
  static fromSafelistConfig(config: SafelistConfig = DEFAULT_SAFELIST, bots?: CrawlerDirectory): ClientExemption {
    return new ClientExemption({ safelist: new Safelist(config), bots: bots ?? (config.crawlers_file === null ? shippedCrawlerDirectory() : CrawlerDirectory.load(config.crawlers_file)) });
  }

  /** The bot data this exemption verifies against. */
  get directory(): CrawlerDirectory {
    return this.bots;
  }

  /** Why `client` must never be acted on, or null when nothing exempts it. */
  check(client: ClientFacts): Exemption | null {
    return this.checkWith(client, this.userAgentBots(client.user_agent));
  }

  /**
   * `check` with the user agent's candidate bots already looked up (`userAgentBots`): callers
   * that cache per user agent themselves (the feature extractor) save the second lookup.
   */
  checkWith(client: ClientFacts, uaBots: UserAgentBots): Exemption | null {
    const category = client.verified_bot_category;
    const source = client.bot_score_src;
    // Only a 12-unit string can lower-case to "verified bot" (no other character lower-cases into
    // these letters), so the common "Machine Learning" costs a length check, not a new string.
    if ((typeof category === 'string' && category !== '') || (typeof source === 'string' && source.length === VERIFIED_BOT_SOURCE.length && source.toLowerCase() === VERIFIED_BOT_SOURCE)) {
      return uaBots.length > 0 ? (this.byBotManagement[(uaBots[0] as KnownBot).index] as Exemption) : this.namedBy(client.user_agent, this.byBotManagement, this.unnamedBotManagement);
    }
    if (client.verified === true) return uaBots.length > 0 ? (this.byEdge[(uaBots[0] as KnownBot).index] as Exemption) : this.namedBy(client.user_agent, this.byEdge, this.unnamedEdge);
    const ip = client.ip;
    const asn = typeof client.asn === 'number' ? client.asn : 0;
    const scored = typeof client.bot_score === 'number';
    if (!scored) {
      for (let i = 0; i < uaBots.length; i++) {
        const bot = uaBots[i] as KnownBot;
        if (bot.covers(ip, asn)) return this.byRanges[bot.index] as Exemption;
      }
    }
    const byAddress = this.addressOnly(ip);
    if (!scored && byAddress >= 1 << IP_BOT_SHIFT) return this.byRanges[(byAddress >> IP_BOT_SHIFT) - 1] as Exemption;
    if ((byAddress & IP_SAFELISTED) !== 0) return this.safelistedCidr;
    if ((byAddress & IP_PRIVATE) !== 0) return this.privateRange;
    if (this.safelist.asn(asn)) return this.safelistedAsn;
    return null;
  }

  /** The `ua_and_range` bots whose pattern matches the user agent (cached per user agent). */
  userAgentBots(userAgent: string | null | undefined): UserAgentBots {
    if (typeof userAgent !== 'string' || userAgent === '' || this.uaBots.length === 0) return NO_BOTS;
    const cached = this.uaCache.get(userAgent);
    if (cached !== undefined) return cached;
    let found: KnownBot[] | null = null;
    for (const bot of this.uaBots) {
      if ((bot.pattern as RegExp).test(userAgent)) (found ??= []).push(bot);
    }
    const result = found === null ? NO_BOTS : Object.freeze(found);
    if (userAgent.length > MAX_CACHED_USER_AGENT_LENGTH) return result;
    if (this.uaCache.size >= UA_CACHE_SIZE) this.uaCache.clear();
    this.uaCache.set(userAgent, result);
    return result;
  }

  /**
   * The edge verified a bot whose user agent matches no `ua_and_range` entry: name it after a
   * `range` entry with a pattern, if one matches (none of the shipped ones has a pattern).
   */
  private namedBy(userAgent: string | null | undefined, answers: readonly Exemption[], unnamed: Exemption): Exemption {
    if (typeof userAgent !== 'string' || userAgent === '') return unnamed;
    for (const bot of this.rangeBots) if (bot.pattern !== null && bot.pattern.test(userAgent)) return answers[bot.index] as Exemption;
    return unnamed;
  }

  /**
   * What the address alone says (range-only bot, configured range, private range), remembered
   * for recently seen addresses (direct-mapped by a hash of the text; nothing here changes after
   * construction). Parsing the address for these sets was ~10 % of feature extraction's profile,
   * and an address sends many requests.
   */
  private addressOnly(ip: string): number {
    if (typeof ip !== 'string') return 0;
    let hash = 0x811c9dc5;
    for (let i = 0; i < ip.length; i++) hash = Math.imul(hash ^ ip.charCodeAt(i), 0x01000193);
    const slot = (hash >>> 0) & (IP_CACHE_SIZE - 1);
    if (this.ipKeys[slot] === ip) return this.ipValues[slot] as number;
    let value = (this.safelist.configuredIp(ip) ? IP_SAFELISTED : 0) | (this.safelist.privateIp(ip) ? IP_PRIVATE : 0);
    for (const bot of this.rangeBots) {
      if (bot.ranges.has(ip)) {
        value |= (bot.index + 1) << IP_BOT_SHIFT;
        break;
      }
    }
    this.ipKeys[slot] = ip;
    this.ipValues[slot] = value;
    return value;
  }
}
