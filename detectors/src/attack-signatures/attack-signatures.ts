/**
 * `attack-signatures`: single-shot attacks. An event detector (`input: 'events'`): one request
 * that gives itself away is a signal about its `ip:` at that event, so fusion's verdict covers the
 * address from its next request on (the causal annotator applies verdicts issued before each
 * request). Classes, each its own signal `<id>/<class>` with its own score, action and TTL hint:
 *
 * - attack_tool:     the user agent holds an entry of CRS scanners-user-agents (sqlmap, nikto,
 *                    nuclei, masscan, zgrab, wpscan, Hydra, …). Generic automation (curl,
 *                    python-requests, Go-http-client: the isbot list) is not here: heuristics logs it.
 * - traversal:       a dot-dot segment in the decoded path, `../../` in a parameter, a NUL byte.
 * - restricted_file: an entry of CRS restricted-files in the decoded path (`.env`, `.git/`,
 *                    `wp-config.`, `/app/etc/env.php`, `proc/self`, …), at word boundaries.
 * - os_file:         an entry of CRS lfi-os-files in the decoded query (`etc/passwd`, `win.ini`, …).
 * - exploit:         probes for known CVEs, command and template injection, Log4Shell, Shellshock.
 * - sqli, xss:       injection probes in the path or query (default-signatures.ts).
 * - protocol:        requests no browser sends: an unknown method or protocol, TRACE/TRACK/DEBUG,
 *                    CONNECT or an absolute URI naming another host (proxy use), a target that is
 *                    not a path, control characters.
 *
 * Events from every source are judged, Logpush and origin-streamed (`/events`, `/stream`) alike:
 * the edge may have answered some of these requests itself, the address still sent them.
 *
 * Matching (matchers.ts): the path and query are decoded twice only when they hold `%` (or `+` in
 * the query), lower-cased, and scanned once per index (CRS lists, signature anchors); a regex runs
 * only when its anchor is in the text. User agents are judged once and cached (direct-mapped by
 * the features' UA hash). Measured with `npm run bench:attack-signatures`
 * (100k events: 90 % browsers on shop URLs, 5 % generic automation, 5 % attacks; 5,000 addresses;
 * Node 20 on the shared 2-core VM, load 2–3): 0.91–0.96 µs per event, against 0.03–0.06 µs for
 * heuristics' built-ins (which only read features: their user-agent work is paid in the feature
 * extractor) and 7.6 µs for heuristics with 200 rules (bench:heuristics, same run). The trie
 * behind `PathPatterns.scan` took it from 2.0 µs (pair index: the CRS lists share long prefixes).
 *
 * Cooldown per (IP, class): at most one signal per `cooldown_ms`; matches in between are counted
 * in the next signal's `matches`. Evidence: `signature` (id, see matchers.ts), `matches`,
 * `decode_passes` (path/query classes: 0 plain, 1 encoded, 2 double-encoded), `cooldown_ms`.
 * State: the (IP, class) cooldowns in heuristics' CooldownTable (LRU, `max_tracked_subjects`).
 *
 * Pure: no I/O after setup (the data file is read when the config is parsed), no timers, event time only.
 */
import type { ComponentMetrics, RequestEvent, SubjectKey, VerdictAction } from '@botsieve/core';
import type { EngineDetectorFactory, EventDetector, HostedDetectorContext, StateSize } from '../engine/detector.js';
import type { EventFeatures } from '../engine/features.js';
import { NO_SIGNALS, type Signal } from '../engine/signal.js';
import { CooldownTable, type Cooldown, type PairMap } from '../heuristics/cooldown-table.js';
import { ATTACK_CLASSES, parseAttackSignaturesConfig, type AttackSignaturesConfig } from './config.js';
import { loadAttackData } from './data.js';
import { CLASS_COUNT, CLASS_INDEX, RequestMatcher } from './matchers.js';
import { ATTACK_SIGNATURES_DISCARD } from './metrics.js';

export const ATTACK_SIGNATURES = 'attack-signatures';

/** Approximate bytes per tracked (IP, class) pair (as heuristics' cooldowns). */
const BYTES_PER_PAIR = 130;

/** Classes judged on the decoded path or query: their evidence says how far it was decoded. */
const DECODED = new Set<number>([CLASS_INDEX.traversal, CLASS_INDEX.restricted_file, CLASS_INDEX.os_file, CLASS_INDEX.exploit, CLASS_INDEX.sqli, CLASS_INDEX.xss]);

class ActiveClass {
  constructor(
    readonly detector: string,
    readonly enabled: boolean,
    readonly score: number,
    readonly action: VerdictAction,
    /** 0: no hint. */
    readonly ttlMs: number,
    readonly decoded: boolean,
    readonly pairs: PairMap,
  ) {}
}

export class AttackSignaturesDetector implements EventDetector<AttackSignaturesConfig> {
  readonly id: string;
  readonly input = 'events' as const;
  private classes: ActiveClass[] = [];
  private matcher: RequestMatcher;
  private cooldownMs = 0;
  private readonly cooldowns: CooldownTable;
  private readonly metrics: ComponentMetrics;
  private reportedEvictions = 0;
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly expired = (pair: Cooldown): boolean => this.watermark - pair.lastMatchMs >= this.cooldownMs;

  constructor(config: AttackSignaturesConfig, context: HostedDetectorContext) {
    this.id = context.id ?? ATTACK_SIGNATURES;
    this.metrics = context.metrics;
    this.cooldowns = new CooldownTable(config.max_tracked_subjects);
    this.matcher = this.apply(config);
    context.logger.debug({ detector: this.id, signatures: config.signatures.length, cooldown_ms: config.cooldown_ms }, 'attack-signatures ready');
  }

  process(event: RequestEvent, features: EventFeatures): Signal[] {
    if (features.verified || features.safelisted || event.ip === '') return NO_SIGNALS;
    const matcher = this.matcher;
    matcher.inspect(event, features.ua_hash, features.path_hash);
    const hits = matcher.hits;
    let out: Signal[] | null = null;
    for (let c = 0; c < CLASS_COUNT; c++) {
      const signature = hits[c] as number;
      if (signature === 0) continue;
      const cls = this.classes[c] as ActiveClass;
      if (!cls.enabled) continue;
      out = this.matched(cls, signature, event, features.ip_hash, out);
    }
    return out ?? NO_SIGNALS;
  }

  flush(watermark_ms: number): Signal[] {
    this.watermark = watermark_ms;
    this.cooldowns.sweep(this.expired);
    const evicted = this.cooldowns.evictions - this.reportedEvictions;
    if (evicted > 0) {
      this.metrics.discarded(ATTACK_SIGNATURES_DISCARD.stateEvicted, evicted);
      this.reportedEvictions = this.cooldowns.evictions;
    }
    return NO_SIGNALS;
  }

  stateSize(): StateSize {
    const keys = this.cooldowns.size;
    return { keys, bytes: keys * BYTES_PER_PAIR };
  }

  /** New classes, signatures, lists and cooldown; cooldown state is kept. `max_tracked_subjects` applies at restart. */
  reconfigure(config: AttackSignaturesConfig): void {
    this.matcher = this.apply(config);
  }

  private apply(config: AttackSignaturesConfig): RequestMatcher {
    // Build everything before replacing anything: a throw leaves the old matcher in place.
    const matcher = new RequestMatcher(config, loadAttackData(config.data_file));
    this.classes = ATTACK_CLASSES.map((name, c) => {
      const cls = config.classes[name];
      return new ActiveClass(`${this.id}/${name}`, cls.enabled, cls.score, cls.action, cls.ttl_ms ?? 0, DECODED.has(c), this.cooldowns.pairsOf(name, 'ip'));
    });
    this.cooldownMs = config.cooldown_ms;
    return matcher;
  }

  private matched(cls: ActiveClass, signature: number, event: RequestEvent, ipHash: number, out: Signal[] | null): Signal[] | null {
    const ts = event.timestamp_ms;
    const state = this.cooldowns.touch(cls.pairs, event.ip, ts, ipHash);
    state.pending += 1;
    if (ts > state.lastMatchMs) state.lastMatchMs = ts;
    if (ts - state.lastSignalMs < this.cooldownMs) return out;
    const matches = state.pending;
    state.pending = 0;
    state.lastSignalMs = ts;
    const evidence: Record<string, number> = cls.decoded
      ? { signature, matches, decode_passes: this.matcher.decodePasses, cooldown_ms: this.cooldownMs }
      : { signature, matches, cooldown_ms: this.cooldownMs };
    const subject = `ip:${event.ip}` as SubjectKey;
    const signal: Signal =
      cls.ttlMs > 0
        ? { subject, at: ts, detector: cls.detector, score: cls.score, action: cls.action, evidence, ttl_ms: cls.ttlMs, user_agent: event.user_agent }
        : { subject, at: ts, detector: cls.detector, score: cls.score, action: cls.action, evidence, user_agent: event.user_agent };
    if (out === null) return [signal];
    out.push(signal);
    return out;
  }
}

export const attackSignatures: EngineDetectorFactory<AttackSignaturesConfig> = {
  parseConfig: parseAttackSignaturesConfig,
  create(config: AttackSignaturesConfig, context: HostedDetectorContext): AttackSignaturesDetector {
    return new AttackSignaturesDetector(config, context);
  },
  /** Replaying one cooldown rebuilds the cooldowns a failover would otherwise lose. */
  lookbackMs(config: AttackSignaturesConfig): number {
    return config.cooldown_ms;
  },
};
