/**
 * Client software: browsers with their User-Agents and TLS fingerprints, HTTP libraries and
 * crawler identities.
 *
 * JA4 sorts ciphers and extensions before hashing, so every install of a browser family shares
 * a handful of JA4s: thousands of humans, one JA4. Values marked (FoxIO) are from FoxIO's
 * ja4plus-mapping.csv; Safari's from public captures of Safari 18.4/26; the others (marked
 * illustrative) have the right shape but were not captured here. JA3 is different: Chrome has
 * shuffled its TLS extensions since version 110, so a Chromium browser shows a new JA3 on every
 * connection, while libraries and impersonators send a fixed order and a fixed JA3.
 *
 * Browser versions fit the default start date (November 2026); most users run the current or
 * previous version, a tail lags behind.
 */
import type { Random } from './random.js';

export const JA4 = {
  chromium: 't13d1516h2_8daaf6152771_02713d6af862', // (FoxIO)
  chromium_newer: 't13d1517h2_8daaf6152771_b0da82dd1658', // (FoxIO)
  safari: 't13d2014h2_a09f3c656075_7f0f34a4126d',
  safari_point: 't13d2013h2_a09f3c656075_7f0f34a4126d',
  firefox: 't13d1717h2_5b57614c22b0_3cbfd9057e0d', // illustrative
  python: 't13d181000_85036bcba153_d41ae481755e', // (FoxIO) urllib3/requests, aiohttp, Scrapy
  go: 't13d190900_9dc949149365_97f8aa674fd9', // (FoxIO) net/http: floods, scanners, exporters
  winhttp: 't12d210700_76e208dd3e22_16bbda4055b2', // (FoxIO) Windows WinHTTP: .NET checkers
  openssl: 't13d311100_e8f1e7e78f70_1f22a2ca17c4', // illustrative: hydra, curl
  java: 't13d451100_4b22cbed5bed_7af1ed941c26', // illustrative: Screaming Frog
  googlebot: 't13d1614h2_8daaf6152771_8d2a4a6a5f7d', // illustrative
  bingbot: 't13d1512h2_8daaf6152771_e5627efa2ab1', // illustrative
  /** Android apps on OkHttp over Conscrypt (BoringSSL): ALPN h2. */
  okhttp: 't13d1613h2_46e7e9700bed_45f260be83e2', // illustrative
  curl: 't13d4907h1_0d8feac7bc37_7395dae3b2f3', // illustrative: curl 8 with OpenSSL 3
} as const;

/** Stable JA3 hashes of fixed-order stacks (illustrative values). */
export const JA3 = {
  safari: '773906b0efdefa24a7f2b8eb6985bf37',
  firefox: '579ccef312d18482fc42e2b822ca2430',
  python: '8d9f7747675e24454cd9b7ed35c58707',
  go: '473cd7cb9faa642487833865d516e578',
  winhttp: '3b5074b1b5d032e5620f69f9f700ff0e',
  openssl: '456523fc94726331a4d5a2e1d40b2cd7',
  java: '2db6873021f2a95daa7de0d93a1d1bf2',
  googlebot: 'a0e9f5d64349fb13191bc781f81f42e1',
  bingbot: '19e29534fd49dd27d09234e639c4057e',
  /** Chrome impersonation with a fixed extension order (curl_cffi style). */
  chrome_impersonation: 'cd08e31494f9531f560d64c695473da9',
  okhttp: '9b0c7cf0e3f7e3a3d4b1d2f1c8a5e6b7',
  curl: '0149f47eabf9a20d0893e2a44e5a6323',
} as const;

export type BrowserFamily = 'chrome' | 'edge' | 'safari' | 'firefox' | 'samsung';

export interface BrowserClient {
  family: BrowserFamily;
  mobile: boolean;
  user_agent: string;
  ja4: string;
  /** null: Chromium, a fresh JA3 per connection. */
  ja3: string | null;
}

const CHROME = [153, 152, 151, 148];
const FIREFOX = [158, 157, 140]; // 140: the ESR many offices run
const SAFARI = ['27.0', '26.4', '26.2'];
const VERSION_WEIGHTS = [0.55, 0.3, 0.1, 0.05];

function version<T>(random: Random, versions: readonly T[]): T {
  let point = random.float();
  for (let i = 0; i < versions.length; i++) {
    point -= VERSION_WEIGHTS[i] ?? 0;
    if (point < 0) return versions[i] as T;
  }
  return versions[versions.length - 1] as T;
}

type Builder = (random: Random) => BrowserClient;

const chromium = (random: Random): string => (random.chance(0.45) ? JA4.chromium_newer : JA4.chromium);
const safariJa4 = (random: Random): string => (random.chance(0.2) ? JA4.safari_point : JA4.safari);

const BUILDERS: Record<string, Builder> = {
  chrome_windows: (r) => ({ family: 'chrome', mobile: false, ja4: chromium(r), ja3: null, user_agent: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version(r, CHROME)}.0.0.0 Safari/537.36` }),
  chrome_mac: (r) => ({ family: 'chrome', mobile: false, ja4: chromium(r), ja3: null, user_agent: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version(r, CHROME)}.0.0.0 Safari/537.36` }),
  chrome_android: (r) => ({ family: 'chrome', mobile: true, ja4: chromium(r), ja3: null, user_agent: `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version(r, CHROME)}.0.0.0 Mobile Safari/537.36` }),
  edge_windows: (r) => {
    const v = version(r, CHROME);
    return { family: 'edge', mobile: false, ja4: chromium(r), ja3: null, user_agent: `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.0.0` };
  },
  samsung_android: (r) => ({ family: 'samsung', mobile: true, ja4: chromium(r), ja3: null, user_agent: `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/${r.pick(['29.0', '28.0'])} Chrome/${version(r, CHROME) - 3}.0.0.0 Mobile Safari/537.36` }),
  // Since iOS 26, Safari freezes the OS version in its User-Agent at 18_6.
  safari_ios: (r) => ({ family: 'safari', mobile: true, ja4: safariJa4(r), ja3: JA3.safari, user_agent: `Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${version(r, SAFARI)} Mobile/15E148 Safari/604.1` }),
  safari_mac: (r) => ({ family: 'safari', mobile: false, ja4: safariJa4(r), ja3: JA3.safari, user_agent: `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${version(r, SAFARI)} Safari/605.1.15` }),
  firefox_windows: (r) => {
    const v = version(r, FIREFOX);
    return { family: 'firefox', mobile: false, ja4: JA4.firefox, ja3: JA3.firefox, user_agent: `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0` };
  },
  firefox_linux: (r) => {
    const v = version(r, FIREFOX);
    return { family: 'firefox', mobile: false, ja4: JA4.firefox, ja3: JA3.firefox, user_agent: `Mozilla/5.0 (X11; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0` };
  },
};

/**
 * Browser shares of a western shop's audience (StatCounter-like: Chrome ~2/3 across platforms,
 * Safari ~1/5, mostly iPhones; mobile ~55%).
 */
const AUDIENCE: readonly (readonly [number, string])[] = [
  [25, 'chrome_windows'], [7, 'chrome_mac'], [22, 'chrome_android'], [20, 'safari_ios'], [6, 'safari_mac'],
  [9, 'edge_windows'], [4, 'samsung_android'], [5, 'firefox_windows'], [2, 'firefox_linux'],
];
/** Office desktops: Windows, Chrome and Edge (managed fleets), some Firefox ESR. */
const OFFICE: readonly (readonly [number, string])[] = [[50, 'chrome_windows'], [30, 'edge_windows'], [10, 'firefox_windows'], [10, 'chrome_mac']];
const MOBILE_ONLY: readonly (readonly [number, string])[] = [[45, 'chrome_android'], [45, 'safari_ios'], [10, 'samsung_android']];

/** The desktop part of AUDIENCE. */
const DESKTOP: readonly (readonly [number, string])[] = AUDIENCE.filter(([, name]) => !['chrome_android', 'safari_ios', 'samsung_android'].includes(name));

export type Audience = 'any' | 'office' | 'mobile' | 'desktop';

export function pickBrowser(random: Random, audience: Audience = 'any'): BrowserClient {
  const table = audience === 'office' ? OFFICE : audience === 'mobile' ? MOBILE_ONLY : audience === 'desktop' ? DESKTOP : AUDIENCE;
  return (BUILDERS[random.weighted(table)] as Builder)(random);
}

/** A browser of an audience with `mobileShare` on phones; null: the default audience table. */
export function pickAudienceBrowser(random: Random, mobileShare: number | null): BrowserClient {
  if (mobileShare === null) return pickBrowser(random);
  return pickBrowser(random, random.chance(mobileShare) ? 'mobile' : 'desktop');
}

/**
 * The shop's own mobile app. Android builds call the API through OkHttp (its default
 * User-Agent, which most apps keep); iOS builds through URLSession, whose User-Agent names the
 * app, its build, CFNetwork and Darwin, and whose TLS stack is the system's, the same as
 * Safari's: an iPhone app and Safari share a JA4. Most users run one of the last three releases.
 */
export interface AppClient {
  platform: 'android' | 'ios';
  user_agent: string;
  ja4: string;
  ja3: string;
}

const APP_BUILDS = [['5.14.0', '51400'], ['5.13.2', '51302'], ['5.12.1', '51201']] as const;

export function pickAppClient(random: Random, iosShare: number): AppClient {
  const [, build] = version(random, APP_BUILDS);
  if (random.chance(iosShare)) return { platform: 'ios', user_agent: `ShopApp/${build} CFNetwork/3826.500.131 Darwin/24.5.0`, ja4: JA4.safari, ja3: JA3.safari };
  return { platform: 'android', user_agent: random.chance(0.8) ? 'okhttp/4.12.0' : 'okhttp/4.11.0', ja4: JA4.okhttp, ja3: JA3.okhttp };
}

/**
 * The JA4 of the same client over HTTP/3. A QUIC handshake offers only TLS 1.3's three cipher
 * suites (RFC 9001 §5.3), so every browser shows `q13d03xxh3` and the same cipher hash
 * (`55b375c5d22e`, the sorted 1301,1302,1303); the extension count and hash are kept
 * (illustrative: QUIC adds its transport parameters).
 */
export function quicJa4(ja4: string): string {
  if (ja4.length < 24 || !ja4.startsWith('t13')) return ja4;
  return `q13${ja4[3] ?? 'd'}03${ja4.slice(6, 8)}h3_55b375c5d22e${ja4.slice(ja4.lastIndexOf('_'))}`;
}

/** What a JA4 says about the protocol: ALPN h2 → HTTP/2, none or http/1.1 → HTTP/1.1. */
export function protocolOfJa4(ja4: string): string {
  if (ja4.startsWith('q')) return 'HTTP/3';
  return ja4.slice(8, 10) === 'h2' ? 'HTTP/2' : 'HTTP/1.1';
}

/** Headless Chrome as Puppeteer and Playwright run it: the same TLS as Chrome, `HeadlessChrome` in the User-Agent unless hidden. */
export function headlessChromeUserAgent(major: number): string {
  return `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/${major}.0.0.0 Safari/537.36`;
}

/** A stale desktop Chrome User-Agent, as bots hard-code them. */
export function staleChromeUserAgent(major: number): string {
  return `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;
}

/** Evergreen Googlebot renders with current Chrome; the version in its UA follows Chrome stable. */
const GOOGLEBOT_CHROME = '153.0.7701.59';
export const GOOGLEBOT_UA = {
  smartphone: `Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${GOOGLEBOT_CHROME} Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)`,
  desktop: `Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/${GOOGLEBOT_CHROME} Safari/537.36`,
  classic: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
} as const;

export const BINGBOT_UA = {
  desktop: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
  mobile: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.1938.76 Mobile Safari/537.36 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
} as const;

/** Honest automation: libraries and tools that say what they are. */
export const TOOL_UA = {
  python_requests: 'python-requests/2.32.3',
  aiohttp: 'Python/3.12 aiohttp/3.10.10',
  go: 'Go-http-client/1.1',
  scrapy: 'Scrapy/2.12.0 (+https://scrapy.org)',
  hydra: 'Mozilla/4.0 (Hydra)',
  zgrab: 'Mozilla/5.0 zgrab/0.x',
  censys: 'Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)',
  uptimerobot: 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
  pingdom: 'Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)',
  blackbox: 'Blackbox Exporter/0.25.0',
  ahrefs: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  screaming_frog: 'Screaming Frog SEO Spider/21.4',
  curl: 'curl/8.11.1',
  axios: 'axios/1.7.9',
  statuscake: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 StatusCake',
  slackbot: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  facebook: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  discord: 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
} as const;
