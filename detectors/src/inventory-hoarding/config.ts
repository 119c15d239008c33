/**
 * Configuration of the `inventory-hoarding` detector: what a cart burst is (window, counts for an
 * address that came cold or that browsed first), the cold-cart rule, outcomes, the re-signal
 * cooldown and the cap on tracked addresses. See inventory-hoarding.ts for the rules.
 */
import { z } from 'zod';
import { parseOrThrow } from '../parse-or-throw.js';

const actionSchema = z.enum(['block', 'challenge', 'log']);
const scoreSchema = z.number().int().min(1).max(99);

function outcome(d: { score: number; action: 'block' | 'challenge' | 'log'; ttl_ms: number | null }) {
  return {
    score: scoreSchema.default(d.score).describe("Score of the rule's signals (1 certainly automated … 99 certainly human)."),
    action: actionSchema.default(d.action).describe('What the rule recommends for the address.'),
    ttl_ms: z.number().int().positive().max(86_400_000).nullable().default(d.ttl_ms).describe("TTL hint for the verdict (fusion multiplies it for repeat offenders); null: fusion's per-action TTL."),
  };
}

export const inventoryHoardingConfigSchema = z.strictObject({
  /**
   * A burst of cart and checkout requests (classify.cart_paths) from one client on one address:
   * at least `min_carts` within `window_ms` when the address came cold (its first cart request
   * was its first request within the client memory's horizon: nothing browsed before), at least
   * `min_carts_browsed` when it had sent something before. Answers 5xx are not counted (people
   * retry them too); 409 (sold out) is.
   */
  burst: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Judge bursts of cart and checkout requests.'),
      window_ms: z.number().int().positive().max(600_000).default(5_000).describe('Window the cart requests must fall in (event time).'),
      min_carts: z.number().int().min(2).max(100).default(4).describe('Cart requests within the window from an address that came cold (nothing browsed before its first cart request).'),
      min_carts_browsed: z.number().int().min(2).max(100).default(6).describe('Cart requests within the window from an address that had sent something before.'),
      ...outcome({ score: 5, action: 'block', ttl_ms: null }),
    })
    .prefault({})
    .describe('Bursts of add-to-cart and checkout from one client on one address.'),
  /**
   * A cart or checkout request that is an address's first request within the client memory's
   * horizon (no product view, no page, nothing before from it), while such cold cart requests
   * come from at least `rush_min_addresses` addresses within `rush_window_ms` (a proxy-rotating
   * fleet at work; per instance: events are partitioned by address). Recommends `challenge` by
   * default: a person whose phone changed address between the product and the cart button at
   * that moment can pass it.
   */
  cold_cart: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Judge cart requests that are an address\'s first.'),
      rush_window_ms: z.number().int().positive().max(600_000).default(10_000).describe('Window of the cold-cart rush (event time).'),
      rush_min_addresses: z.number().int().min(1).max(1_000).default(5).describe('Cold cart requests (each an address\'s first) within the rush window, this one included, before any is judged (per instance).'),
      warmup_ms: z.number().int().min(0).max(3_600_000).default(120_000).describe('No address counts as cold before the detector has watched this much event time: right after a start the client memory knows nobody, and people who viewed the product just before it would look cold at the cart (burst then needs min_carts_browsed).'),
      ...outcome({ score: 22, action: 'challenge', ttl_ms: 300_000 }),
    })
    .prefault({})
    .describe('An add-to-cart or checkout that is the address\'s first request (nothing browsed before), during a rush of them.'),
  /**
   * A hoarding fleet on one network: at least `min_addresses` addresses of one ASN caught by
   * `burst` or `cold_cart` within `window_ms` (per instance: events are partitioned by address,
   * so each instance counts its share) → a signal on `asn:<n>`, renewed every half of `ttl_ms`
   * while addresses keep being caught. Fusion's collateral guard caps it at `log` where people
   * are seen on that network (the release's real buyers on the shop's own ISPs); a proxy pool
   * abroad carries none, and there the fleet's next addresses are covered from their first request.
   */
  fleet: z
    .strictObject({
      enabled: z.boolean().default(true).describe('Judge networks from which several addresses were caught hoarding.'),
      min_addresses: z.number().int().min(2).max(1_000).default(3).describe('Addresses of one ASN caught within the window (per instance) before the ASN is signalled.'),
      window_ms: z.number().int().positive().max(3_600_000).default(60_000).describe('Window the caught addresses must fall in (event time).'),
      max_networks: z.number().int().positive().max(1_000_000).default(10_000).describe('Most networks tracked (only those with a caught address); the least recently seen is evicted.'),
      ...outcome({ score: 20, action: 'challenge', ttl_ms: 120_000 }),
    })
    .prefault({})
    .describe('Networks from which several addresses were caught hoarding (a proxy pool): the ASN, unless people are seen there.'),
  cooldown_ms: z.number().int().positive().max(3_600_000).default(60_000).describe('Per address: a new signal only when the action escalates or after this long.'),
  idle_ms: z.number().int().positive().max(3_600_000).default(120_000).describe('Addresses idle this long (event time) are forgotten.'),
  max_tracked_ips: z.number().int().positive().max(10_000_000).default(100_000).describe('Most addresses tracked (only those that sent a cart request); the least recently seen is evicted (counted).'),
});

export type InventoryHoardingConfig = z.output<typeof inventoryHoardingConfigSchema>;

/** Validates raw config; every problem is listed with its path. */
export function parseInventoryHoardingConfig(raw: unknown): InventoryHoardingConfig {
  return parseOrThrow(inventoryHoardingConfigSchema, raw ?? {}, 'inventory-hoarding config');
}

/** Longest event time the detector looks back over (failover replays it). */
export function inventoryHoardingLookbackMs(config: InventoryHoardingConfig): number {
  return Math.max(config.burst.window_ms, config.idle_ms, config.cold_cart.warmup_ms, config.fleet.window_ms);
}
