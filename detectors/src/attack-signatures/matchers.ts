/**
 * The compiled matchers of `attack-signatures`, built once per config (setup cost, never per
 * event): the CRS lists and the signatures' anchors as PathPatterns indexes (one pass over a text
 * finds every candidate; a signature's regex runs only when its anchor is there), the user-agent
 * results cached per user agent, and the request-line checks.
 *
 * Results go into `hits`: per class (ATTACK_CLASSES order) the first signature id found, 0 when
 * none. Ids: built-in and configured signatures 100–9999, request-line checks 501–507 (see
 * REQUEST_LINE), CRS list entries 1,000,000 × list number (1 attack_tools, 2 restricted_files,
 * 3 os_files) + the entry's position in the shipped list (0-based; a refresh may renumber).
 */
import type { RequestEvent } from '@botsieve/core';
import { PathPatterns, type LiteralVisitor } from '../features/path-patterns.js';
import { ATTACK_CLASSES, type AttackClass, type AttackSignaturesConfig, type Signature, type SignatureTarget } from './config.js';
import type { AttackData, AttackList } from './data.js';
import { Decoder } from './decode.js';

export const CLASS_INDEX: Readonly<Record<AttackClass, number>> = Object.fromEntries(ATTACK_CLASSES.map((name, i) => [name, i])) as Record<AttackClass, number>;
export const CLASS_COUNT = ATTACK_CLASSES.length;

/** Signature ids of the request-line checks (class `protocol`). */
export const REQUEST_LINE = {
  unknownProtocol: 501,
  unknownMethod: 502,
  connect: 503,
  foreignAbsoluteUri: 504,
  probeMethod: 505,
  malformedTarget: 506,
  controlCharacter: 507,
} as const;

/** Id base of each CRS list's entries. */
export const LIST_ID_BASE = { attack_tools: 1_000_000, restricted_files: 2_000_000, os_files: 3_000_000 } as const;

/** A list's entries minus the configured exceptions, each with its signature id. */
function listEntries(list: AttackList, except: readonly string[], base: number): { entries: string[]; ids: number[] } {
  const skip = new Set(except.map((e) => e.toLowerCase()));
  const entries: string[] = [];
  const ids: number[] = [];
  list.entries.forEach((entry, i) => {
    if (skip.has(entry.toLowerCase())) return;
    entries.push(entry);
    ids.push(base + i);
  });
  return { entries, ids };
}

interface CompiledSignature {
  readonly id: number;
  readonly classIndex: number;
  readonly targets: readonly SignatureTarget[];
  readonly anchors: readonly string[];
  readonly regex: RegExp | null;
}

/**
 * Everything matched in one target, in one index (one pass over the text): the anchors of the
 * signatures on that target, then one CRS list's entries (with token boundaries when asked). An
 * anchor found runs its signature's regex (once per scan); an entry found is its class's hit.
 */
class TargetIndex implements LiteralVisitor {
  private readonly patterns: PathPatterns;
  /** Per pattern: the signature (anchors) or −1 (list entries). */
  private readonly owners: Int32Array;
  /** Per pattern: the list entry's signature id (0 for anchors). */
  private readonly entryIds: Int32Array;
  private text = '';
  private hits: Int32Array = new Int32Array(CLASS_COUNT);
  /** Per signature: the scan that last tried it (a signature with several anchors runs once). */
  private readonly tried: Uint32Array;
  private scanId = 0;

  constructor(
    private readonly signatures: readonly CompiledSignature[],
    target: SignatureTarget,
    list: { entries: string[]; ids: number[] } | null,
    private readonly listClass: number,
    boundaries: boolean,
  ) {
    const patterns: string[] = [];
    const owners: number[] = [];
    const entryIds: number[] = [];
    const bounds: boolean[] = [];
    signatures.forEach((signature, s) => {
      if (!signature.targets.includes(target)) return;
      for (const anchor of signature.anchors) {
        patterns.push(anchor);
        owners.push(s);
        entryIds.push(0);
        bounds.push(false);
      }
    });
    if (list !== null) {
      list.entries.forEach((entry, i) => {
        patterns.push(entry);
        owners.push(-1);
        entryIds.push(list.ids[i] as number);
        bounds.push(boundaries);
      });
    }
    this.patterns = new PathPatterns(patterns, 'substring', `attack-signatures (${target})`, { tokenBoundaries: bounds, literalsOnly: true });
    this.owners = Int32Array.from(owners);
    this.entryIds = Int32Array.from(entryIds);
    this.tried = new Uint32Array(signatures.length);
  }

  /** Marks in `hits` the first confirmed signature or entry of each class found in `text` (lower case). */
  scan(text: string, hits: Int32Array): void {
    if (this.patterns.empty) return;
    this.text = text;
    this.hits = hits;
    this.scanId = (this.scanId + 1) >>> 0 || 1;
    this.patterns.scan(text, this);
  }

  visit(index: number): boolean {
    const s = this.owners[index] as number;
    if (s === -1) {
      if (this.hits[this.listClass] === 0) this.hits[this.listClass] = this.entryIds[index] as number;
      return false;
    }
    if (this.tried[s] === this.scanId) return false;
    this.tried[s] = this.scanId;
    const signature = this.signatures[s] as CompiledSignature;
    if (this.hits[signature.classIndex] !== 0) return false;
    if (signature.regex === null || signature.regex.test(this.text)) this.hits[signature.classIndex] = signature.id;
    return false;
  }
}

/** log2 of the direct-mapped user-agent cache. */
const UA_CACHE_BITS = 12;
/** log2 of the direct-mapped path cache. */
const PATH_CACHE_BITS = 12;

/**
 * Path, query and user-agent matching. `inspect` fills `hits` for one event; `decodePasses`
 * says how far the path or query had to be decoded (0–2).
 */
export class RequestMatcher {
  readonly hits = new Int32Array(CLASS_COUNT);
  decodePasses = 0;
  private readonly decoder = new Decoder();
  /** Path: signature anchors and restricted_files; query: anchors and os_files; user agent: attack_tools and anchors. */
  private readonly path: TargetIndex;
  private readonly query: TargetIndex;
  private readonly userAgents: TargetIndex;
  /** User agents by `features.ua_hash` (direct-mapped): the UA's class index + 1 (0 none) and signature. */
  private readonly uaKeys: (string | undefined)[] = new Array(1 << UA_CACHE_BITS).fill(undefined);
  private readonly uaClass = new Int8Array(1 << UA_CACHE_BITS);
  private readonly uaSignature = new Int32Array(1 << UA_CACHE_BITS);
  private readonly uaHits = new Int32Array(CLASS_COUNT);
  /**
   * Paths by `features.path_hash` (direct-mapped): what the path alone matched, per class, and how
   * far it was decoded. A shop's paths repeat (93 % hits on simulator traffic) while URIs, with
   * their queries, seldom do; decoding, lower-casing and scanning the path was most of this
   * detector's per-event cost. `pathAny` is 0 for the many paths that matched nothing.
   */
  private readonly pathKeys: (string | undefined)[] = new Array(1 << PATH_CACHE_BITS).fill(undefined);
  private readonly pathAny = new Uint8Array(1 << PATH_CACHE_BITS);
  private readonly pathPasses = new Uint8Array(1 << PATH_CACHE_BITS);
  private readonly pathHits = new Int32Array((1 << PATH_CACHE_BITS) * CLASS_COUNT);
  private readonly scratch = new Int32Array(CLASS_COUNT);
  private readonly requestLine: RequestLine;

  constructor(config: AttackSignaturesConfig, data: AttackData) {
    const lists = data.lists;
    const except = config.except_entries;
    const disabled = new Set(config.disabled_signatures);
    const signatures = config.signatures.filter((s) => !disabled.has(s.id)).map(compile);
    this.path = new TargetIndex(signatures, 'path', listEntries(lists.restricted_files, except.restricted_files, LIST_ID_BASE.restricted_files), CLASS_INDEX.restricted_file, true);
    this.query = new TargetIndex(signatures, 'query', listEntries(lists.os_files, except.os_files, LIST_ID_BASE.os_files), CLASS_INDEX.os_file, true);
    // CRS matches scanner user agents as plain phrases (no boundaries): `AWSSecurityAgent` holds `securityagent`.
    this.userAgents = new TargetIndex(signatures, 'user_agent', listEntries(lists.attack_tools, except.attack_tools, LIST_ID_BASE.attack_tools), CLASS_INDEX.attack_tool, false);
    this.requestLine = new RequestLine(config);
  }

  /** Fills `hits` for `event` (every class; 0 where nothing matched); `pathHash` is `hash32(event.path)`. */
  inspect(event: RequestEvent, uaHash: number, pathHash: number): void {
    const hits = this.hits;
    hits.fill(0);
    hits[CLASS_INDEX.protocol] = this.requestLine.check(event);
    this.userAgent(event.user_agent, uaHash);
    const uri = event.uri;
    let passes: number;
    if (event.path !== '') passes = this.cachedPath(event.path, pathHash);
    else {
      this.path.scan(this.decoder.decode(uri, false).toLowerCase(), hits);
      passes = this.decoder.passes;
    }
    const q = uri.indexOf('?');
    if (q !== -1 && q + 1 < uri.length) {
      const query = this.decoder.decode(uri.slice(q + 1), true).toLowerCase();
      if (this.decoder.passes > passes) passes = this.decoder.passes;
      this.query.scan(query, hits);
    }
    this.decodePasses = passes;
  }

  /**
   * Adds what `path` matched to `hits` (a class already hit keeps its signature: the path's own
   * first match per class is what a scan straight into `hits` would have added) and returns its
   * decode passes, from the cache or scanned and cached.
   */
  private cachedPath(path: string, hash: number): number {
    const slot = hash & ((1 << PATH_CACHE_BITS) - 1);
    const base = slot * CLASS_COUNT;
    const cached = this.pathHits;
    if (this.pathKeys[slot] !== path) {
      const scratch = this.scratch;
      scratch.fill(0);
      this.path.scan(this.decoder.decode(path, false).toLowerCase(), scratch);
      let any = 0;
      for (let c = 0; c < CLASS_COUNT; c++) {
        const id = scratch[c] as number;
        cached[base + c] = id;
        if (id !== 0) any = 1;
      }
      this.pathKeys[slot] = path;
      this.pathAny[slot] = any;
      this.pathPasses[slot] = this.decoder.passes;
    }
    if (this.pathAny[slot] !== 0) {
      const hits = this.hits;
      for (let c = 0; c < CLASS_COUNT; c++) {
        const id = cached[base + c] as number;
        if (id !== 0 && hits[c] === 0) hits[c] = id;
      }
    }
    return this.pathPasses[slot] as number;
  }

  /** The user agent's class and signature, from the cache or computed and cached. */
  private userAgent(ua: string, hash: number): void {
    if (ua === '') return;
    const slot = hash & ((1 << UA_CACHE_BITS) - 1);
    if (this.uaKeys[slot] !== ua) {
      const hits = this.uaHits;
      hits.fill(0);
      this.userAgents.scan(ua.toLowerCase(), hits);
      let cls = 0;
      let signature = 0;
      // An attack tool first; else the first class a signature found.
      const order = hits[CLASS_INDEX.attack_tool] !== 0 ? CLASS_INDEX.attack_tool : hits.findIndex((id) => id !== 0);
      if (order !== -1) {
        cls = order + 1;
        signature = hits[order] as number;
      }
      this.uaKeys[slot] = ua;
      this.uaClass[slot] = cls;
      this.uaSignature[slot] = signature;
    }
    const cls = this.uaClass[slot] as number;
    if (cls !== 0 && this.hits[cls - 1] === 0) this.hits[cls - 1] = this.uaSignature[slot] as number;
  }
}

function compile(signature: Signature): CompiledSignature {
  return {
    id: signature.id,
    classIndex: CLASS_INDEX[signature.class],
    targets: signature.targets,
    anchors: signature.anchors,
    regex: signature.regex === null ? null : new RegExp(signature.regex, 'i'),
  };
}

/** Requests no browser sends, from the request line (class `protocol`). */
export class RequestLine {
  private readonly methods: ReadonlySet<string>;
  private readonly probeMethods: ReadonlySet<string>;
  private readonly protocols: ReadonlySet<string>;

  constructor(config: AttackSignaturesConfig) {
    this.methods = new Set(config.known_methods);
    this.probeMethods = new Set(config.probe_methods);
    this.protocols = new Set(config.known_protocols);
  }

  /** The first request-line signature `event` shows (REQUEST_LINE), 0 when none. */
  check(event: RequestEvent): number {
    const method = event.method;
    if (method !== '') {
      if (method === 'CONNECT') return REQUEST_LINE.connect;
      if (this.probeMethods.has(method)) return REQUEST_LINE.probeMethod;
      if (!this.methods.has(method)) return REQUEST_LINE.unknownMethod;
    }
    const protocol = event.protocol;
    if (protocol !== '' && !this.protocols.has(protocol)) return REQUEST_LINE.unknownProtocol;
    const target = event.path !== '' ? event.path : event.uri;
    if (target === '') return 0;
    if (target.charCodeAt(0) !== 47 /* / */) {
      if (target === '*') return method === 'OPTIONS' || method === '' ? 0 : REQUEST_LINE.malformedTarget;
      const host = absoluteHost(target);
      if (host === null) return REQUEST_LINE.malformedTarget;
      if (event.host !== '' && host !== stripPort(event.host.toLowerCase())) return REQUEST_LINE.foreignAbsoluteUri;
    }
    // The URI holds the path (Logpush, canonical events); the path alone only when there is no URI.
    return hasControlCharacter(event.uri !== '' ? event.uri : target) ? REQUEST_LINE.controlCharacter : 0;
  }
}

/** Host of an absolute-form target (`http://host:port/…`), lower case without port; null when not absolute. */
export function absoluteHost(target: string): string | null {
  const match = /^https?:\/\/([^/?#]*)/i.exec(target);
  if (match === null) return null;
  let authority = (match[1] as string).toLowerCase();
  const at = authority.lastIndexOf('@');
  if (at !== -1) authority = authority.slice(at + 1);
  return stripPort(authority);
}

function stripPort(authority: string): string {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    return end === -1 ? authority : authority.slice(0, end + 1);
  }
  const colon = authority.indexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
