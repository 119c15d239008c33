/**
 * The causal annotator behind `botsieve replay --annotate`: for each event, in input order, the
 * action that verdicts already issued would apply to it.
 *
 * Causality: the caller annotates an event FIRST (from verdicts applied so far), THEN processes
 * it and applies the verdicts it produced. So a verdict never touches an event before its
 * decision, not even the event that triggered it.
 *
 * A verdict covers an event when it is about one of the event's subjects (ipua, ip, prefix, asn,
 * ja4, ua) and `decided_at <= timestamp_ms < decided_at + ttl_ms`. Among covering verdicts the
 * strongest action wins (block > challenge > log); a tie goes to the lowest score, then to the
 * first found in the order ipua, ip, prefix, asn, ja4, ua, then application order.
 *
 * Exempt clients: whatever covers it, an event from a verified bot or a safelisted client is
 * `allow` (ClientExemption, which the origins' lookup and the detectors apply too; the edge's rules
 * exempt `cf.client.bot`, the same verified-bot answer): a verdict about a population is not
 * enforced on the verified crawler inside it, so the annotation never claims a block the edge
 * would not make. Only events some verdict covers are asked, so uncovered traffic costs nothing
 * more. (Safelisted CIDRs inside a network the Cloudflare lists block are the one case the edge
 * does not exempt yet: see sinks/README.md.)
 *
 * Bounded state: a min-heap by expiry drops verdicts once they expired `retain_ms` ago in event
 * time (retain_ms = allowed lateness, so an on-time event a little older than the newest still
 * sees what covered it). Hot path: one Map lookup per subject, no allocation beyond the output.
 */
import { ACTION_RANK, parseIpuaSubject, subjectKind, subjectValue, type EventAction, type RequestEvent, type SubjectKey, type Verdict } from '@botsieve/core';
import { ClientExemption } from '@botsieve/runtime';

/** One output line of `replay --annotate`. A stable interface: keep the fields and their order. */
export interface Annotation {
  RayID: string;
  action: EventAction;
  /** The applied verdict's score; null for allow. */
  score: number | null;
  subject: SubjectKey | null;
  /** Detector ids of the applied verdict; [] for allow. */
  reasons: readonly string[];
}

export interface AnnotatorOptions {
  /** Keep verdicts this long after they expire (event time); use the allowed lateness. */
  retain_ms?: number;
  /** Who is never acted on; default: the shipped bot data and the default safelist (replay passes the configured one). */
  exemption?: ClientExemption;
}

const ACTION_BY_RANK: readonly EventAction[] = ['allow', 'log', 'challenge', 'block'];
const NO_REASONS: readonly string[] = Object.freeze([]);

class ActiveVerdict {
  removed = false;
  constructor(
    readonly id: string,
    readonly list: ActiveVerdict[],
    readonly owner: Map<string | number, ActiveVerdict[]>,
    readonly key: string | number,
    readonly rank: number,
    readonly score: number,
    readonly subject: SubjectKey,
    readonly reasons: readonly string[],
    readonly decided_at: number,
    readonly expires_at: number,
  ) {}
}

export class Annotator {
  private readonly retain_ms: number;
  private readonly exemption: ClientExemption;
  private readonly ip = new Map<string | number, ActiveVerdict[]>();
  private readonly prefix = new Map<string | number, ActiveVerdict[]>();
  private readonly asn = new Map<string | number, ActiveVerdict[]>();
  private readonly ja4 = new Map<string | number, ActiveVerdict[]>();
  private readonly ua = new Map<string | number, ActiveVerdict[]>();
  /** `ipua:` verdicts by address, then by user agent (no key is spelled per event). */
  private readonly ipua = new Map<string, Map<string | number, ActiveVerdict[]>>();
  /** Min-heap by `expires_at`. */
  private readonly heap: ActiveVerdict[] = [];
  private newest = Number.NEGATIVE_INFINITY;

  constructor(options: AnnotatorOptions = {}) {
    this.retain_ms = options.retain_ms ?? 0;
    this.exemption = options.exemption ?? new ClientExemption();
  }

  /** Verdicts held (tests, metrics). */
  get size(): number {
    return this.heap.length;
  }

  annotate(event: RequestEvent): Annotation {
    const ts = event.timestamp_ms;
    if (ts > this.newest) {
      this.newest = ts;
      this.expire();
    }
    let best: ActiveVerdict | null = null;
    if (this.ipua.size > 0) {
      const agents = this.ipua.get(event.ip);
      if (agents !== undefined) best = strongest(best, agents.get(event.user_agent), ts);
    }
    best = strongest(best, this.ip.get(event.ip), ts);
    best = strongest(best, this.prefix.get(event.prefix), ts);
    if (event.asn !== 0) best = strongest(best, this.asn.get(event.asn), ts);
    if (event.ja4 !== null) best = strongest(best, this.ja4.get(event.ja4), ts);
    // '' too: `ua:` is the population of requests without a user agent.
    best = strongest(best, this.ua.get(event.user_agent), ts);
    if (best === null || this.exemption.check(event) !== null) return { RayID: event.ray_id, action: 'allow', score: null, subject: null, reasons: NO_REASONS };
    return { RayID: event.ray_id, action: ACTION_BY_RANK[best.rank] as EventAction, score: best.score, subject: best.subject, reasons: best.reasons };
  }

  apply(verdicts: readonly Verdict[]): void {
    for (const verdict of verdicts) this.add(verdict);
  }

  private add(verdict: Verdict): void {
    const kind = subjectKind(verdict.subject);
    let raw = subjectValue(verdict.subject);
    let owner = kind === 'ip' ? this.ip : kind === 'prefix' ? this.prefix : kind === 'asn' ? this.asn : kind === 'ja4' ? this.ja4 : kind === 'ua' ? this.ua : null;
    if (kind === 'ipua') {
      const client = parseIpuaSubject(verdict.subject);
      if (client === null) return;
      owner = this.ipua.get(client.ip) ?? null;
      if (owner === null) this.ipua.set(client.ip, (owner = new Map()));
      raw = client.user_agent;
    }
    if (owner === null) return;
    const key = kind === 'asn' ? Number(raw) : raw;
    const expires_at = verdict.decided_at + verdict.ttl_ms;
    if (expires_at + this.retain_ms <= this.newest) return;
    const rank = ACTION_RANK[verdict.action];
    let list = owner.get(key);
    if (list === undefined) {
      list = [];
      owner.set(key, list);
    }
    // Drop what the new verdict makes irrelevant: same or weaker, and its whole active interval
    // inside the new one's. Redelivered duplicates (same id) are ignored.
    for (let i = list.length - 1; i >= 0; i--) {
      const held = list[i] as ActiveVerdict;
      if (held.id === verdict.id) return;
      if ((held.rank < rank || (held.rank === rank && held.score >= verdict.score)) && held.decided_at >= verdict.decided_at && held.expires_at <= expires_at) {
        held.removed = true;
        list.splice(i, 1);
      }
    }
    const reasons = Object.freeze(verdict.detectors.map((finding) => finding.id));
    const active = new ActiveVerdict(verdict.id, list, owner, key, rank, verdict.score, verdict.subject, reasons, verdict.decided_at, expires_at);
    list.push(active);
    this.push(active);
  }

  /** Pops verdicts that expired more than `retain_ms` before the newest event time. */
  private expire(): void {
    const heap = this.heap;
    const horizon = this.newest - this.retain_ms;
    while (heap.length > 0 && (heap[0] as ActiveVerdict).expires_at <= horizon) {
      const top = this.pop();
      if (top.removed) continue;
      const index = top.list.indexOf(top);
      if (index !== -1) top.list.splice(index, 1);
      if (top.list.length === 0 && top.owner.get(top.key) === top.list) {
        top.owner.delete(top.key);
        if (top.owner.size === 0 && top.subject.startsWith('ipua:')) {
          const client = parseIpuaSubject(top.subject);
          if (client !== null && this.ipua.get(client.ip) === top.owner) this.ipua.delete(client.ip);
        }
      }
    }
  }

  private push(item: ActiveVerdict): void {
    const heap = this.heap;
    let i = heap.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = heap[parent] as ActiveVerdict;
      if (above.expires_at <= item.expires_at) break;
      heap[i] = above;
      i = parent;
    }
    heap[i] = item;
  }

  private pop(): ActiveVerdict {
    const heap = this.heap;
    const top = heap[0] as ActiveVerdict;
    const last = heap.pop() as ActiveVerdict;
    if (heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (heap[right] as ActiveVerdict).expires_at < (heap[left] as ActiveVerdict).expires_at ? right : left;
      if ((heap[child] as ActiveVerdict).expires_at >= last.expires_at) break;
      heap[i] = heap[child] as ActiveVerdict;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function strongest(best: ActiveVerdict | null, list: ActiveVerdict[] | undefined, ts: number): ActiveVerdict | null {
  if (list === undefined) return best;
  for (let i = 0; i < list.length; i++) {
    const candidate = list[i] as ActiveVerdict;
    if (candidate.decided_at > ts || ts >= candidate.expires_at) continue;
    if (best === null || candidate.rank > best.rank || (candidate.rank === best.rank && candidate.score < best.score)) best = candidate;
  }
  return best;
}
