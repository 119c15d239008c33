/**
 * Networks the simulated clients come from: autonomous systems by kind, with address blocks
 * inside their real allocations (as far as public whois shows; treat them as illustrative, a
 * detector must never rely on these exact numbers).
 *
 * The mix follows what shops see: humans on residential broadband and mobile carriers (mobile
 * ~55% of shop traffic), offices on business ISPs, bots overwhelmingly on hosting providers, and
 * proxy-backed bots on residential ASNs of many countries (residential proxy pools resell
 * consumer lines, heavily from Brazil, India, Vietnam and Indonesia).
 */
import { ipv4Cidr, randomIpv4In, randomIpv6In, randomSlash24In, type Cidr } from './addresses.js';
import type { Random } from './random.js';

export type NetworkKind = 'residential' | 'mobile' | 'business' | 'hosting';

export interface Network {
  asn: number;
  name: string;
  /** Lower-case two-letter code, as Logpush writes ClientCountry. */
  country: string;
  kind: NetworkKind;
  cidrs: readonly Cidr[];
  /** An IPv6 /32 written as two groups, when the network hands out IPv6 to clients. */
  v6: string | null;
}

function network(asn: number, name: string, country: string, kind: NetworkKind, cidrs: string[], v6: string | null = null): Network {
  return { asn, name, country, kind, cidrs: cidrs.map((text) => ipv4Cidr(text) as Cidr), v6 };
}

/** Shop audience: US and western Europe. */
export const RESIDENTIAL: readonly Network[] = [
  network(7922, 'Comcast', 'us', 'residential', ['73.0.0.0/8', '24.0.0.0/12', '98.192.0.0/10'], '2601:1c0'),
  network(7018, 'AT&T', 'us', 'residential', ['99.0.0.0/10', '107.128.0.0/12'], '2600:1700'),
  network(20115, 'Charter', 'us', 'residential', ['47.144.0.0/13', '66.168.0.0/14'], '2603:6000'),
  network(3320, 'Deutsche Telekom', 'de', 'residential', ['79.192.0.0/10', '91.0.0.0/10', '84.128.0.0/10'], '2003:e5'),
  network(3215, 'Orange', 'fr', 'residential', ['90.0.0.0/9', '86.192.0.0/11'], '2a01:cb00'),
  network(12322, 'Free', 'fr', 'residential', ['78.192.0.0/10', '82.64.0.0/14'], '2a01:e0a'),
  network(2856, 'BT', 'gb', 'residential', ['86.128.0.0/10', '81.128.0.0/12'], '2a00:23c5'),
  network(1136, 'KPN', 'nl', 'residential', ['77.160.0.0/12'], '2a02:a440'),
];

/** Audience weights of RESIDENTIAL, in order. */
const RESIDENTIAL_WEIGHTS: readonly (readonly [number, number])[] = [22, 14, 10, 16, 10, 6, 14, 8].map((weight, i) => [weight, i] as const);

/** A home broadband network, weighted by the shop's audience. */
export function pickResidential(random: Random): Network {
  return RESIDENTIAL[random.weighted(RESIDENTIAL_WEIGHTS)] as Network;
}

export const MOBILE: readonly Network[] = [
  network(21928, 'T-Mobile US', 'us', 'mobile', ['172.56.0.0/14'], '2607:fb90'),
  network(22394, 'Verizon Wireless', 'us', 'mobile', ['174.192.0.0/10'], '2600:1000'),
  network(3209, 'Vodafone DE', 'de', 'mobile', ['2.200.0.0/13'], '2a00:20'),
  network(12576, 'EE', 'gb', 'mobile', ['31.94.0.0/16'], '2a00:23c0'),
  network(51207, 'Free Mobile', 'fr', 'mobile', ['37.160.0.0/12'], '2a04:cec0'),
];

export const BUSINESS: readonly Network[] = [
  network(3356, 'Lumen', 'us', 'business', ['4.0.0.0/9', '8.0.0.0/12']),
  network(174, 'Cogent', 'us', 'business', ['38.0.0.0/8']),
  network(6461, 'Zayo', 'us', 'business', ['64.125.0.0/16']),
  network(8220, 'Colt', 'gb', 'business', ['212.36.0.0/17', '213.86.0.0/16']),
];

export const HOSTING: readonly Network[] = [
  network(14061, 'DigitalOcean', 'us', 'hosting', ['159.89.0.0/16', '167.99.0.0/16', '134.209.0.0/16', '64.225.0.0/16']),
  network(16276, 'OVH', 'fr', 'hosting', ['51.75.0.0/16', '51.89.0.0/16', '145.239.0.0/16']),
  network(24940, 'Hetzner', 'de', 'hosting', ['95.216.0.0/15', '65.21.0.0/16', '135.181.0.0/16', '88.198.0.0/16']),
  network(16509, 'Amazon', 'us', 'hosting', ['18.130.0.0/16', '52.56.0.0/16', '3.80.0.0/12']),
  network(63949, 'Akamai Linode', 'us', 'hosting', ['172.104.0.0/15', '139.162.0.0/16']),
  network(20473, 'Vultr', 'us', 'hosting', ['45.76.0.0/15', '149.28.0.0/16']),
  network(45102, 'Alibaba', 'sg', 'hosting', ['47.88.0.0/14']),
];

/** Consumer lines resold by residential proxy pools: what floods and stuffing come through. */
export const PROXY_RESIDENTIAL: readonly Network[] = [
  network(28573, 'Claro NET', 'br', 'residential', ['177.0.0.0/12', '189.0.0.0/11']),
  network(26599, 'Vivo', 'br', 'residential', ['179.96.0.0/12']),
  network(24560, 'Bharti Airtel', 'in', 'residential', ['122.160.0.0/13']),
  network(7552, 'Viettel', 'vn', 'residential', ['27.64.0.0/12']),
  network(7713, 'Telkom Indonesia', 'id', 'residential', ['36.64.0.0/11']),
  network(9121, 'Turk Telekom', 'tr', 'residential', ['88.224.0.0/11']),
  network(7922, 'Comcast', 'us', 'residential', ['73.0.0.0/8']),
  network(3320, 'Deutsche Telekom', 'de', 'residential', ['79.192.0.0/10']),
];

/**
 * Clouds worlds add to HOSTING (kept apart so the default scenario's draws from HOSTING do not
 * move): Google Cloud, and Azure, which announces Bingbot's addresses from the same AS 8075.
 */
export const EXTRA_CLOUDS: readonly Network[] = [
  network(396982, 'Google Cloud', 'us', 'hosting', ['34.64.0.0/10', '35.184.0.0/13']),
  network(8075, 'Microsoft Azure', 'us', 'hosting', ['20.0.0.0/11', '40.112.0.0/13']),
];

/** Every hosting network a world may put its bots and monitors on. */
export const CLOUDS: readonly Network[] = [...HOSTING, ...EXTRA_CLOUDS];

/** Meta's network: facebookexternalhit fetches link previews only from AS 32934 (Facebook's crawler page). */
export const META: Network = network(32934, 'Meta', 'us', 'hosting', ['31.13.64.0/18', '69.171.224.0/19', '173.252.64.0/18']);

/** Google and Microsoft, the verified crawlers' own networks. */
export const GOOGLE: Network = network(15169, 'Google', 'us', 'hosting', []);
export const MICROSOFT: Network = network(8075, 'Microsoft', 'us', 'hosting', []);

/** One client address: where a request comes from. */
export interface Address {
  ip: string;
  asn: number;
  country: string;
}

export function addressIn(net: Network, random: Random, ipv6Share = 0): Address {
  if (net.v6 !== null && ipv6Share > 0 && random.chance(ipv6Share)) return { ip: randomIpv6In(net.v6, random), asn: net.asn, country: net.country };
  return { ip: randomIpv4In(random.pick(net.cidrs), random), asn: net.asn, country: net.country };
}

/**
 * A carrier's NAT pool: a few hundred /24s behind which every handset of the region appears,
 * so unrelated humans share /24s (and now and then an address).
 */
export class CarrierPool {
  readonly prefixes: readonly Cidr[];

  constructor(
    readonly net: Network,
    random: Random,
    prefixCount: number,
  ) {
    const prefixes: Cidr[] = [];
    for (let i = 0; i < prefixCount; i++) prefixes.push(randomSlash24In(random.pick(net.cidrs), random));
    this.prefixes = prefixes;
  }

  address(random: Random, ipv6Share: number): Address {
    if (this.net.v6 !== null && random.chance(ipv6Share)) return { ip: randomIpv6In(this.net.v6, random), asn: this.net.asn, country: this.net.country };
    return { ip: randomIpv4In(random.pick(this.prefixes), random), asn: this.net.asn, country: this.net.country };
  }
}
