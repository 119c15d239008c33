/**
 * The adaptive part of `volumetric`: per kind of subject, a RobustBaseline of "what a busy
 * subject does" for each route group, plus one for the whole kind (group 0).
 *
 * Fed from `flush` (never per summary), once per flush that closed a new step (the engine
 * flushes about every step; an idle gap feeds one step, not one per missed step): the most
 * recently seen subjects (at most `sample_subjects`) are sampled, each with its request count
 * over the window ending at the closed step and the group of its main route (`top_route` of its
 * latest summary). The
 * nearest-rank `quantile` of those counts (over the sample: kind-wide; over each group's share:
 * per route, when it holds ≥ `min_subjects`) is one observation of that baseline. One sort of
 * ≤ 4,096 packed (group, count) keys per kind per second: the quantile is exact over the
 * sample, no histogram error.
 *
 * Poisoning: one observation per step whatever the volume; the baseline is winsorized (a sample
 * above level + 4 deviations is clamped there) and `alpha` is small. Winsorizing alone is not
 * enough for a long flood: a clamped sample sits 4 deviations out, so the deviation grows by
 * ~3 × alpha of itself per step (doubling every ~23 steps at alpha 0.01), and without the rule
 * below a 30× flood became "normal" within 10 minutes (the test measured a level of 7,338
 * against 250); and below 100 sampled subjects the p99 is the maximum, i.e. the
 * attacker. So once a subject's baseline is ready, a subject at or above `challenge_factor` ×
 * upper (what this detector calls abnormal) is left out of the sample: a flood teaches the
 * baseline only during the step or two before it crosses that line. Subjects under it, and
 * every subject while the baseline warms up (even above the floors), are learned, so a site that
 * is busy from the start, or grows gradually, is learned; one whose busy subjects all jump 3×
 * at once stays challenged until the floors or factors are tuned.
 *
 * Warm-up: the first window of steps after the first active subject is not fed (its window
 * counts are still filling); then `warmup_steps` observations before a baseline is used.
 *
 * Routes: the first `max_routes` distinct routes get a group of their own; later ones, and
 * subjects without a route, use the kind-wide baseline. Groups are never freed (bounded).
 */
import type { WindowTable } from '../engine/window-table.js';
import { RobustBaseline } from '../sketch/index.js';
import { selectKth } from '../sketch/select.js';
import type { VolumetricBaselineConfig } from './config.js';

/** Counts are capped below 2^32 (the float64 sort key of the earlier layout packed (group, count)). */
const GROUP_SPAN = 4_294_967_296;

export class RouteBaselines {
  private readonly routes = new Map<string, number>();
  private readonly baselines: RobustBaseline[];
  /** The sample: counts, and each one's group. */
  private readonly values: Float64Array;
  private readonly sampleGroups: Int32Array;
  /** The sample's counts bucketed by group (ascending groups), and each group's count / start. */
  private readonly byGroup: Float64Array;
  private groupCounts = new Int32Array(0);
  private ceilings = new Float64Array(0);
  private readonly quantile: number;
  private readonly minSubjects: number;
  private readonly maxRoutes: number;
  /** Last closed step observed (each step feeds the baselines once). */
  lastObserved = -1;
  /** First closed step with active subjects: windows are only complete one window later. */
  private firstActive = -1;

  constructor(private readonly config: VolumetricBaselineConfig) {
    this.baselines = [this.make()];
    this.values = new Float64Array(config.sample_subjects);
    this.sampleGroups = new Int32Array(config.sample_subjects);
    this.byGroup = new Float64Array(config.sample_subjects);
    this.quantile = config.quantile;
    this.minSubjects = config.min_subjects;
    this.maxRoutes = config.max_routes;
  }

  /** Group of a route: its own while there is room, else 0 (kind-wide). */
  groupOf(route: string): number {
    if (route === '') return 0;
    const known = this.routes.get(route);
    if (known !== undefined) return known;
    if (this.routes.size >= this.maxRoutes) return 0;
    const group = this.baselines.length;
    this.baselines.push(this.make());
    this.routes.set(route, group);
    return group;
  }

  /** Group of a known route, 0 when it has none (never creates one). */
  peekGroup(route: string): number {
    return this.routes.get(route) ?? 0;
  }

  /** The baseline a subject of `group` is judged against: its route's once ready, else the kind's; null while neither is. */
  pick(group: number): RobustBaseline | null {
    const own = this.baselines[group];
    if (group !== 0 && own !== undefined && own.ready) return own;
    const kind = this.baselines[0]!;
    return kind.ready ? kind : null;
  }

  /** Routes with a group of their own. */
  get routeCount(): number {
    return this.routes.size;
  }

  /**
   * Feeds the step `endBucket` (closed) from the most recently seen subjects of `table`;
   * `groups[slot]` is each subject's route group, `counter` the table's requests counter.
   * Subjects at or above `factor` × their ready baseline's upper(deviations) are left out.
   */
  observe(table: WindowTable, groups: Int32Array, counter: number, endBucket: number, factor: number, deviations: number): void {
    const limit = this.values.length;
    const oldest = endBucket - table.buckets;
    let count = 0;
    let visited = 0;
    // Each group's "abnormal" line, computed once per call (NaN: not yet) rather than per sampled
    // subject: picking and reading the baseline was the walk's costliest line (CPU profile).
    if (this.ceilings.length < this.baselines.length) this.ceilings = new Float64Array(2 * this.baselines.length);
    const ceilings = this.ceilings;
    ceilings.fill(Number.NaN, 0, this.baselines.length);
    for (let slot = table.newest(); slot !== -1 && count < limit && visited < 2 * limit; slot = table.older(slot)) {
      visited += 1;
      if (table.lastBucketOf(slot) <= oldest) continue;
      const requests = Math.min(table.totalEndingAt(slot, endBucket, counter), GROUP_SPAN - 1);
      if (requests <= 0) continue;
      const group = groups[slot] ?? 0;
      let ceiling = ceilings[group]!;
      if (ceiling !== ceiling) {
        const baseline = this.pick(group);
        ceiling = baseline === null ? Number.POSITIVE_INFINITY : factor * baseline.upper(deviations);
        ceilings[group] = ceiling;
      }
      if (requests >= ceiling) continue;
      this.values[count] = requests;
      this.sampleGroups[count] = group;
      count += 1;
    }
    if (count === 0) return;
    // The first window after start (or a reset) holds partial windows: a ramp from 1/n of the
    // normal count up to it, which would inflate the deviation for minutes. Skip it.
    if (this.firstActive < 0) this.firstActive = endBucket;
    if (endBucket - this.firstActive < table.buckets || count < this.minSubjects) return;
    // Quantiles by selection, not by sorting: the same values (the k-th smallest is the k-th of
    // the sort), and route groups fed in ascending order as before.
    this.baselines[0]!.observe(selectKth(this.values, 0, count, nearestRank(this.quantile, count)));
    if (this.routes.size === 0) return;
    this.observeGroups(count);
  }

  /** Feeds each route group holding ≥ min_subjects of the `count` sampled subjects, in ascending group order. */
  private observeGroups(count: number): void {
    const groups = this.baselines.length;
    if (this.groupCounts.length < groups + 1) this.groupCounts = new Int32Array(Math.max(groups + 1, 2 * this.groupCounts.length));
    const starts = this.groupCounts;
    starts.fill(0, 0, groups + 1);
    for (let i = 0; i < count; i++) starts[this.sampleGroups[i]! + 1]! += 1;
    for (let g = 1; g <= groups; g++) starts[g]! += starts[g - 1]!;
    // Scatter by group (starts[g] advances to the end of group g); values of one group stay together.
    for (let i = 0; i < count; i++) this.byGroup[starts[this.sampleGroups[i]!]!++] = this.values[i]!;
    let start = starts[0]!; // group 0 (kind-wide) is not fed per route
    for (let group = 1; group < groups; group++) {
      const end = starts[group]!;
      const size = end - start;
      if (size >= this.minSubjects) this.baselines[group]!.observe(selectKth(this.byGroup, start, end, nearestRank(this.quantile, size)));
      start = end;
    }
  }

  bytes(): number {
    return this.values.byteLength * 2 + this.sampleGroups.byteLength + this.baselines.length * 120 + this.routes.size * 100;
  }

  private make(): RobustBaseline {
    return new RobustBaseline({ alpha: this.config.alpha, warmup: this.config.warmup_steps, min_deviation: this.config.min_deviation });
  }
}

/** Index of the nearest-rank `q` quantile among `n` sorted values. */
export function nearestRank(q: number, n: number): number {
  return Math.max(0, Math.min(n - 1, Math.ceil(q * n) - 1));
}
