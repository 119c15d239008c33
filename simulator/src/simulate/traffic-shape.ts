/**
 * How busy the shop is over the run: a multiplier of every human session rate. Worlds draw one
 * of five shapes: flat; rising or falling by ±amplitude from start to end (a morning, an
 * evening); a wave of ±amplitude (lunch and evening peaks squeezed into the run); a spike of
 * × (1 + 4 × amplitude) for `length_s` (a newsletter or a TV spot).
 */
import type { TrafficShape } from './scenario.js';

/** The multiplier at `elapsed_s` seconds from the start (before the start: as at the start). Never below 0.05. */
export function shapeFactor(shape: TrafficShape, elapsed_s: number, duration_s: number): number {
  const t = Math.max(0, elapsed_s);
  const a = shape.amplitude;
  let factor = 1;
  switch (shape.kind) {
    case 'flat':
      return 1;
    case 'rising':
      factor = 1 - a + 2 * a * Math.min(1, t / duration_s);
      break;
    case 'falling':
      factor = 1 + a - 2 * a * Math.min(1, t / duration_s);
      break;
    case 'wave':
      factor = 1 + a * Math.sin((2 * Math.PI * (t - shape.at_s)) / Math.max(1, shape.length_s));
      break;
    case 'spike':
      factor = t >= shape.at_s && t < shape.at_s + shape.length_s ? 1 + 4 * a : 1;
      break;
  }
  return Math.max(0.05, factor);
}

/** The next gap of a Poisson arrival process of `rate` per second shaped by `shape`, at simulation time `now`. */
export function shapedRate(shape: TrafficShape, rate: number, now_ms: number, start_ms: number, duration_s: number): number {
  return shape.kind === 'flat' ? rate : rate * shapeFactor(shape, (now_ms - start_ms) / 1_000, duration_s);
}
