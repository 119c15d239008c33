/**
 * A signal: what one detector concluded about one subject at one event time. Detectors return
 * signals; the fusion stage combines every detector's signals about a subject into one verdict
 * (score, action, TTL, escalation for repeat offenders, safelists). A signal is never enforced
 * on its own.
 */
import type { SubjectKey, VerdictAction } from '@botsieve/core';

export interface Signal {
  subject: SubjectKey;
  /** Event time of the conclusion (ms since the epoch): the newest event time it is based on. */
  at: number;
  /** Detector instance id (`detectors[].id`), from the detector's context. */
  detector: string;
  /** 1–99 on Cloudflare's scale: 1 certainly automated, 99 certainly human. Integer. */
  score: number;
  /** What this detector alone recommends. Fusion may escalate, never weaken below `log`. */
  action: VerdictAction;
  /** Numbers only: rates, baselines, distinct counts, ratios, thresholds; stable key order. */
  evidence: Record<string, number>;
  /**
   * Optional TTL hint (ms) for a verdict of this signal's action: single-shot detectors ask for a
   * short block. Fusion uses the longest hint in place of its per-action TTL when every live
   * signal recommending the verdict's action carries one (repeat offences still multiply it);
   * one signal without a hint keeps fusion's TTL. Absent on most detectors' signals.
   */
  ttl_ms?: number;
  /**
   * The user agent of the client the conclusion is about, on an `ip:` signal whose detector judged
   * one request's client (a burst, a signature, a header rule), not the address's traffic as a
   * whole. Fusion turns such a signal, when it recommends `block`, into one about `ipua:<ip>
   * <user agent>` when people share the address (see Fusion), so that the verdict stops that
   * client and not them. Absent
   * otherwise: windows over an address's traffic, and rules about rotating user agents.
   */
  user_agent?: string;
}

/** The result of a call that concluded nothing: one shared frozen array (read only). */
export const NO_SIGNALS: Signal[] = Object.freeze([]) as unknown as Signal[];
