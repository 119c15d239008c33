/**
 * The product release a world's buyers, hoarding bots and link previews share: which product,
 * when it goes on sale, and how many units are left. One per World (a WeakMap, so the World stays
 * generic); the first caller creates it.
 *
 * The product is fixed by the catalogue size alone (no draw): a new product, at the end of the
 * catalogue, the last id.
 */
import type { World } from '../world.js';

export class ReleaseState {
  readonly product: number;
  readonly at_ms: number;
  private left: number;

  constructor(world: World) {
    const { release } = world.scenario;
    this.product = world.site.products;
    this.at_ms = world.scenario.start_ms + release.at_s * 1_000;
    this.left = Math.max(0, Math.round(release.stock));
  }

  get soldOut(): boolean {
    return this.left === 0;
  }

  /** Before the release the product page shows a countdown; the cart refuses it. */
  live(now: number): boolean {
    return now >= this.at_ms;
  }

  /** One unit into a cart; false when there is none left (the cart add gets 409). */
  take(): boolean {
    if (this.left === 0) return false;
    this.left -= 1;
    return true;
  }

  /** A unit whose cart add failed at the origin (5xx) goes back on sale. */
  giveBack(): void {
    this.left += 1;
  }
}

const states = new WeakMap<World, ReleaseState>();

export function releaseOf(world: World): ReleaseState {
  let state = states.get(world);
  if (state === undefined) {
    state = new ReleaseState(world);
    states.set(world, state);
  }
  return state;
}

export function releasedProduct(world: World): number {
  return releaseOf(world).product;
}
