/**
 * Collateral guard: a prefix, ASN or JA4 that carries human traffic is never enforced as a
 * whole. Residential proxy pools resell consumer lines, so a flood or a credential-stuffing run
 * shares its ASN (and its Chrome JA4) with the shop's own customers; blocking the aggregate would
 * block them too. Those attacks are then left to per-IP verdicts, and aggregates are enforced
 * only where nobody human is seen (hosting ASNs, proxy pools abroad, tool fingerprints).
 *
 * Human presence is the assets browsers load with their pages: per aggregate subject an
 * exponentially decayed count of asset requests (half-life `half_life_ms`), fed by every summary
 * that passes through the stage. A subject with at least `min_assets` is "inhabited": fusion
 * caps its verdicts at `log`. Bots rarely fetch assets; one that does to look human pays for it
 * with the requests, and is still judged per IP.
 *
 * Bounded: one entry per aggregate subject in a BoundedMap (LRU), ~100 bytes each.
 */
import type { SubjectKey } from '@botsieve/core';
import type { Summary } from '../engine/summary.js';
import { BoundedMap, decayFactor } from '../sketch/index.js';

export interface CollateralGuardConfig {
  enabled: boolean;
  min_assets: number;
  half_life_ms: number;
  max_subjects: number;
}

class Presence {
  assets = 0;
  at = 0;
}

export class CollateralGuard {
  private readonly subjects: BoundedMap<SubjectKey, Presence>;

  constructor(private config: CollateralGuardConfig) {
    this.subjects = new BoundedMap(config.max_subjects);
  }

  reconfigure(config: CollateralGuardConfig): void {
    this.config = config;
  }

  /** Feeds one summary (aggregate kinds only; ip subjects are judged on their own behaviour). */
  observe(summary: Summary): void {
    if (summary.kind === 'ip' || summary.assets === 0) return;
    let presence = this.subjects.get(summary.subject);
    if (presence === undefined) {
      presence = new Presence();
      presence.at = summary.last_ms;
      this.subjects.set(summary.subject, presence);
    }
    this.decayTo(presence, summary.last_ms);
    presence.assets += summary.assets;
  }

  /** True when enforcing `subject` as a whole would hit humans seen in it recently. */
  inhabited(subject: SubjectKey, at: number): boolean {
    if (!this.config.enabled || subject.startsWith('ip:')) return false;
    const presence = this.subjects.peek(subject);
    if (presence === undefined) return false;
    this.decayTo(presence, at);
    return presence.assets >= this.config.min_assets;
  }

  get size(): number {
    return this.subjects.size;
  }

  private decayTo(presence: Presence, at: number): void {
    if (at <= presence.at) return;
    presence.assets *= decayFactor(at - presence.at, this.config.half_life_ms);
    presence.at = at;
  }
}
