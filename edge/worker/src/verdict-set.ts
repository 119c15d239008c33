/**
 * The block/challenge verdicts an isolate enforces: strongest active verdict per subject, the same
 * rule as the decision service's VerdictReplica (a stronger action replaces a weaker one; at equal
 * strength the later expiry wins), so applying a line twice is harmless. Verdicts expire by
 * `decided_at + ttl_ms` here: the stream sends nothing when one expires.
 *
 * Fed by the stream protocol of decisions/README.md, one `follow=0` response per refresh: a
 * snapshot is staged and swapped in only once its `synced` line arrived (a response cut half-way
 * leaves the held set as it was); a resume applies its changes as they come. The resume token
 * `<epoch>.<version>` advances with every synced, heartbeat and change line.
 *
 * Bounded by `max_verdicts`: when full, expired verdicts are swept; if still full the incoming one
 * is dropped and counted (the stream will offer it again at the next snapshot).
 */

export type EdgeAction = 'block' | 'challenge';

interface Held {
  action: EdgeAction;
  rank: number;
  expires_at: number;
  score: number;
}

export interface VerdictMatch {
  subject: string;
  action: EdgeAction;
  score: number;
  expires_at: number;
}

export interface VerdictSetStats {
  size: number;
  token: string | null;
  applied: number;
  dropped: number;
  /** Lines that were not valid protocol lines. */
  malformed: number;
}

const RANK: Record<EdgeAction, number> = { challenge: 2, block: 3 };

export class VerdictSet {
  private held = new Map<string, Held>();
  private staged: Map<string, Held> | null = null;
  private stagedEpoch: string | null = null;
  private epoch: string | null = null;
  private version = -1;
  private applied = 0;
  private dropped = 0;
  private malformed = 0;

  constructor(
    private readonly maxVerdicts: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** `since` for the next refresh; null before the first synced snapshot. */
  get token(): string | null {
    return this.epoch === null || this.version < 0 ? null : `${this.epoch}.${this.version}`;
  }

  get size(): number {
    return this.held.size;
  }

  /** The strongest active verdict over `subjects`; `exempt(subject)` skips subjects a verified bot is exempt from. */
  match(subjects: readonly string[], exempt: (subject: string) => boolean): VerdictMatch | null {
    const now = this.now();
    let best: VerdictMatch | null = null;
    let bestRank = 0;
    for (const subject of subjects) {
      const entry = this.held.get(subject);
      if (entry === undefined) continue;
      if (entry.expires_at <= now) {
        this.held.delete(subject);
        continue;
      }
      if (exempt(subject) || entry.rank <= bestRank) continue;
      best = { subject, action: entry.action, score: entry.score, expires_at: entry.expires_at };
      bestRank = entry.rank;
    }
    return best;
  }

  /** Applies one NDJSON line of a stream response; false when it is not a protocol line. */
  applyLine(line: string): boolean {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.malformed += 1;
      return false;
    }
    if (message === null || typeof message !== 'object') {
      this.malformed += 1;
      return false;
    }
    switch (message.type) {
      case 'snapshot':
        if (typeof message.epoch !== 'string') break;
        this.staged = new Map();
        this.stagedEpoch = message.epoch;
        return true;
      case 'resume':
        if (typeof message.epoch !== 'string' || message.epoch !== this.epoch) break;
        this.staged = null;
        this.stagedEpoch = null;
        return true;
      case 'upsert':
        return this.upsert(message.verdict, message.version);
      case 'remove':
        if (typeof message.subject !== 'string') break;
        (this.staged ?? this.held).delete(message.subject);
        this.advance(message.version);
        return true;
      case 'synced':
        if (this.staged !== null) {
          if (message.epoch !== this.stagedEpoch) break;
          this.held = this.staged;
          this.epoch = this.stagedEpoch;
          this.staged = null;
          this.stagedEpoch = null;
        } else if (message.epoch !== this.epoch) break;
        this.advance(message.version);
        return true;
      case 'heartbeat':
        if (message.epoch !== this.epoch || this.staged !== null) return true;
        this.advance(message.version);
        return true;
      default:
        // An unknown type from a newer server: ignored, not an error.
        return true;
    }
    this.malformed += 1;
    return false;
  }

  /** A response ended (or failed): a snapshot without its synced line is discarded. */
  endResponse(): void {
    this.staged = null;
    this.stagedEpoch = null;
  }

  stats(): VerdictSetStats {
    return { size: this.held.size, token: this.token, applied: this.applied, dropped: this.dropped, malformed: this.malformed };
  }

  private advance(version: unknown): void {
    if (this.staged === null && typeof version === 'number' && Number.isInteger(version) && version >= 0) this.version = version;
  }

  private upsert(value: unknown, version: unknown): boolean {
    if (value === null || typeof value !== 'object') {
      this.malformed += 1;
      return false;
    }
    const verdict = value as Record<string, unknown>;
    const { subject, action, decided_at, ttl_ms, score } = verdict;
    if (typeof subject !== 'string' || typeof decided_at !== 'number' || typeof ttl_ms !== 'number') {
      this.malformed += 1;
      return false;
    }
    this.advance(version);
    // Only what the edge enforces; the server was asked for these actions only, but a server that
    // ignored `actions=` must not make the edge act on `log`.
    if (action !== 'block' && action !== 'challenge') return true;
    const now = this.now();
    const expires_at = decided_at + ttl_ms;
    if (expires_at <= now) return true;
    const target = this.staged ?? this.held;
    const rank = RANK[action];
    const held = target.get(subject);
    if (held !== undefined && held.expires_at > now && (held.rank > rank || (held.rank === rank && held.expires_at >= expires_at))) return true;
    if (held === undefined && target.size >= this.maxVerdicts && !this.sweep(target, now)) {
      this.dropped += 1;
      return true;
    }
    target.set(subject, { action, rank, expires_at, score: typeof score === 'number' ? score : 0 });
    this.applied += 1;
    return true;
  }

  private sweep(target: Map<string, Held>, now: number): boolean {
    let freed = false;
    for (const [subject, entry] of target) {
      if (entry.expires_at > now) continue;
      target.delete(subject);
      freed = true;
    }
    return freed;
  }
}
