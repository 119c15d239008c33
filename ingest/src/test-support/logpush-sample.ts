/**
 * Realistic Logpush http_requests records (about 44 fields, Bot Management included), generated
 * deterministically from a seed: varied IPv4/IPv6 clients, paths, user agents. Used by tests and
 * the ingest benchmark.
 */
import { gzipSync } from 'node:zlib';

const PATHS = ['/', '/login', '/api/v1/products', '/api/v1/cart', '/search', '/static/app.js', '/static/style.css', '/account/orders', '/checkout', '/product/8812-red-shoes', '/blog/2026/11/launch', '/wp-login.php'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  'python-requests/2.32.3',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'curl/8.10.1',
  'Go-http-client/2.0',
];
const COUNTRIES = ['us', 'de', 'fr', 'gb', 'br', 'in', 'jp', 'sg', 'nl', 'ru'];
const SCORE_SOURCES = ['Machine Learning', 'Heuristics', 'Behavioral Analysis', 'Verified Bot', 'JS Fingerprinting', 'Not Computed'];
const CACHE = ['hit', 'miss', 'dynamic', 'expired', 'revalidated'];
const COLOS = ['FRA', 'AMS', 'CDG', 'LHR', 'IAD', 'SJC', 'NRT', 'SIN', 'GRU'];
const CONTENT_TYPES = ['text/html', 'application/json', 'application/javascript', 'text/css', 'image/webp'];

/** Small deterministic PRNG (mulberry32). */
export class SampleRandom {
  constructor(private state: number) {}
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

export interface SampleOptions {
  /** Event time of the first record, ms (default: a minute ago, inside what ingest accepts). */
  startMs?: number;
  /** Include the Bot Management fields (default true). */
  botManagement?: boolean;
}

/** One record as Logpush writes it (timestamp_format unixnano). */
export function sampleRecord(random: SampleRandom, index: number, options: SampleOptions = {}): Record<string, unknown> {
  const startMs = (options.startMs ?? Date.now() - 60_000) + index * 3;
  const ipv6 = random.int(5) === 0;
  const ip = ipv6
    ? `2001:db8:${random.int(0xffff).toString(16)}:${random.int(0xffff).toString(16)}::${random.int(0xffff).toString(16)}`
    : `${1 + random.int(222)}.${random.int(256)}.${random.int(256)}.${random.int(256)}`;
  const path = random.pick(PATHS);
  const query = random.int(3) === 0 ? `?q=${random.int(100_000)}&page=${random.int(20)}` : '';
  const status = random.int(10) === 0 ? 404 : 200;
  const record: Record<string, unknown> = {
    RayID: `${(0x8a00000000000000n + BigInt(index) * 7919n + BigInt(random.int(1e9))).toString(16)}-${random.pick(COLOS)}`,
    EdgeStartTimestamp: startMs * 1_000_000 + random.int(1_000_000),
    EdgeEndTimestamp: (startMs + 1 + random.int(300)) * 1_000_000,
    ZoneID: 4_242_424_242,
    ZoneName: 'example.com',
    ClientRequestHost: random.int(4) === 0 ? 'api.example.com' : 'www.example.com',
    ClientIP: ip,
    ClientASN: [13_335, 7_922, 16_509, 14_061, 3_320, 4_134][random.int(6)],
    ClientCountry: random.pick(COUNTRIES),
    ClientIPClass: 'noRecord',
    ClientDeviceType: random.int(3) === 0 ? 'mobile' : 'desktop',
    ClientRequestMethod: random.int(5) === 0 ? 'POST' : 'GET',
    ClientRequestProtocol: 'HTTP/2',
    ClientRequestScheme: 'https',
    ClientRequestPath: path,
    ClientRequestURI: path + query,
    ClientRequestUserAgent: random.pick(USER_AGENTS),
    ClientRequestReferer: random.int(2) === 0 ? 'https://www.example.com/' : '',
    ClientRequestBytes: 400 + random.int(3_000),
    ClientTCPRTTMs: 5 + random.int(200),
    ClientSSLProtocol: 'TLSv1.3',
    ClientSSLCipher: 'AEAD-AES128-GCM-SHA256',
    ClientXRequestedWith: '',
    EdgeResponseStatus: status,
    EdgeResponseBytes: 500 + random.int(80_000),
    EdgeResponseContentType: random.pick(CONTENT_TYPES),
    EdgeColoCode: random.pick(COLOS),
    EdgeServerIP: '172.70.1.1',
    OriginIP: '203.0.113.10',
    OriginResponseStatus: status,
    OriginResponseDurationMs: 10 + random.int(900),
    CacheCacheStatus: random.pick(CACHE),
    SecurityAction: '',
    SecurityActions: [],
    SecuritySources: [],
    WAFAttackScore: 80 + random.int(19),
  };
  if (options.botManagement !== false) {
    record.BotScore = 1 + random.int(99);
    record.BotScoreSrc = random.pick(SCORE_SOURCES);
    record.BotTags = random.int(4) === 0 ? ['api'] : [];
    record.BotDetectionIDs = random.int(5) === 0 ? [201_326_592] : [];
    record.VerifiedBotCategory = '';
    record.JA3Hash = random.int(0xffffffff).toString(16).padStart(8, '0').repeat(4);
    record.JA4 = `t13d${1500 + random.int(20)}h2_8daaf6152771_${random.int(0xffffff).toString(16).padStart(12, '0')}`;
    record.JA4Signals = { h2h3_ratio_1h: random.next(), heuristic_ratio_1h: random.next(), reqs_rank_1h: random.int(5_000) };
  }
  return record;
}

/** `count` records as NDJSON text (trailing newline). */
export function sampleNdjson(count: number, seed = 1, options: SampleOptions = {}): string {
  const random = new SampleRandom(seed);
  let text = '';
  for (let i = 0; i < count; i++) text += `${JSON.stringify(sampleRecord(random, i, options))}\n`;
  return text;
}

export function sampleGzip(count: number, seed = 1, options: SampleOptions = {}): Buffer {
  return gzipSync(sampleNdjson(count, seed, options));
}
