/**
 * Networks a world's populations share, so that the hard cases happen by construction:
 * - clouds: a few hosting networks, each with a fixed set of /24s, from which every hosting-based
 *   bot (scrapers, floods, scanners) AND the world's monitors, SEO crawlers and link previews
 *   draw their addresses: a verdict on a cloud /24 or ASN lands on good bots too;
 * - carriers: each mobile carrier's NAT /24s, shared by every phone of the world (humans, app
 *   users, release buyers) and by proxies on customer networks;
 * - NAT exits: a few carrier-grade NAT addresses behind which hundreds of app users appear, and
 *   which `proxy_customers` attackers sometimes exit through too (mobile proxy pools).
 *
 * Built once per run from the scenario's NetworkPlan, with its own random stream: building it
 * moves no other population's draws.
 */
import { randomIpv4In, randomSlash24In, type Cidr } from './addresses.js';
import { CLOUDS, CarrierPool, MOBILE, PROXY_RESIDENTIAL, addressIn, pickResidential, type Address, type Network } from './networks.js';
import type { Random } from './random.js';
import type { NetworkPlan } from './scenario.js';

/** Used when a scenario has no plan (the default scenario with a world class switched on). */
export const DEFAULT_NETWORK_PLAN: Readonly<NetworkPlan> = Object.freeze({
  clouds: [14061, 16509, 24940],
  cloud_prefixes: 40,
  carrier_prefixes: 30,
  cgnat_exits: 12,
  proxy_on_customer_nat_share: 0.1,
  proxy_in_customer_prefixes: 0.2,
});

/**
 * Attacker addresses one NAT exit lends itself to over a run: a CGNAT exit carries a few proxy
 * phones among its hundreds of users, not a whole botnet.
 */
const ATTACKERS_PER_NAT_EXIT = 3;

interface CloudPool {
  net: Network;
  prefixes: Cidr[];
}

export class NetworkPools {
  readonly clouds: readonly CloudPool[];
  readonly carriers: readonly CarrierPool[];
  /** Carrier NAT exits shared by hundreds of users each (IPv4). */
  readonly natExits: readonly Address[];
  /** Attacker addresses each NAT exit has lent itself to. */
  private readonly lent: number[] = [];

  constructor(
    readonly plan: NetworkPlan,
    random: Random,
  ) {
    const clouds: CloudPool[] = [];
    for (const asn of plan.clouds) {
      const net = CLOUDS.find((candidate) => candidate.asn === asn);
      if (net === undefined) throw new RangeError(`networks.clouds: no hosting network with ASN ${asn}`);
      const prefixes: Cidr[] = [];
      for (let i = 0; i < plan.cloud_prefixes; i++) prefixes.push(randomSlash24In(random.pick(net.cidrs), random));
      clouds.push({ net, prefixes });
    }
    if (clouds.length === 0) throw new RangeError('networks.clouds: at least one hosting network');
    this.clouds = clouds;
    this.carriers = MOBILE.map((net) => new CarrierPool(net, random, Math.max(1, plan.carrier_prefixes)));
    const exits: Address[] = [];
    for (let i = 0; i < Math.max(1, plan.cgnat_exits); i++) exits.push(random.pick(this.carriers).address(random, 0));
    this.natExits = exits;
  }

  /** The hosting networks of this world. */
  cloudNetworks(): Network[] {
    return this.clouds.map((cloud) => cloud.net);
  }

  /** A host in one of the shared cloud /24s. */
  cloudAddress(random: Random): Address {
    const cloud = random.pick(this.clouds);
    return { ip: randomIpv4In(random.pick(cloud.prefixes), random), asn: cloud.net.asn, country: cloud.net.country };
  }

  /**
   * A bot's host on the clouds: in the shared /24s half the time, anywhere in the same networks
   * otherwise (a botnet of thousands does not fit in a few /24s; redraws land there once they fill).
   */
  botAddress(random: Random): Address {
    if (random.chance(0.5)) return this.cloudAddress(random);
    return addressIn(random.pick(this.clouds).net, random);
  }

  /** A phone on one of the carriers: its NAT /24s, or IPv6. */
  handset(random: Random, ipv6Share: number): Address {
    return random.pick(this.carriers).address(random, ipv6Share);
  }

  /** Home broadband of the shop's audience. */
  home(random: Random, ipv6Share: number): Address {
    return addressIn(pickResidential(random), random, ipv6Share);
  }

  natExit(random: Random): Address {
    return random.pick(this.natExits);
  }

  /** A residential proxy exit abroad (resold consumer lines). */
  proxyAbroad(random: Random): Address {
    return addressIn(random.pick(PROXY_RESIDENTIAL), random);
  }

  /**
   * One of the app users' NAT exits for a `proxy_customers` attacker (`proxy_on_customer_nat_share`
   * of the time), while that exit has lent itself to fewer than ATTACKERS_PER_NAT_EXIT attacker
   * addresses; null otherwise.
   */
  lendNatExit(random: Random): Address | null {
    if (!random.chance(this.plan.proxy_on_customer_nat_share)) return null;
    const index = random.int(0, this.natExits.length - 1);
    const lent = this.lent[index] ?? 0;
    if (lent >= ATTACKERS_PER_NAT_EXIT) return null;
    this.lent[index] = lent + 1;
    return this.natExits[index] as Address;
  }

  /**
   * Any other `proxy_customers` address: a phone in the carrier /24s the shop's own phones use
   * (`proxy_in_customer_prefixes` of the time), else a phone elsewhere on the same carriers or a
   * home line on the audience's ISPs.
   */
  customerAddress(random: Random): Address {
    if (random.chance(this.plan.proxy_in_customer_prefixes)) return this.handset(random, 0);
    return random.chance(0.4) ? addressIn(random.pick(MOBILE), random) : this.home(random, 0);
  }
}
