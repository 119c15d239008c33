/**
 * Path patterns from config, compiled once: a plain string is a literal (matched as a prefix or
 * a substring, depending on the list), `re:` starts a regular expression. Literals are checked
 * with startsWith (no regex per event); regexes are compiled at boot.
 *
 * Substring literals are indexed by their first two characters: a literal occurs in the path iff
 * it starts at some position whose two characters are its own two, so the path is scanned once
 * and only the literals of each position's pair are tried there. The 19 default sensitive
 * paths all start with `/`, and `includes` for each of them was 12 % of feature extraction's
 * CPU profile (simulator traffic); a typical path now tries one or two literals per `/`. An
 * ASCII pair bitmap rejects most positions with one byte read before the Map lookup.
 *
 * Long literal lists (attack-signatures: the ~1,600 CRS file names and the signatures' anchors)
 * are scanned with a trie instead (`scan`): their literals share long prefixes (`config.…` 156
 * times, `etc/…` 300 times, `proc/…` 70 times), so a pair's list would be tried entry by entry at
 * every `co`, `et` or `pr` of a path; the trie walks each position only as deep as the text
 * follows a literal (measured: 2.0 → 0.5 µs per event for attack-signatures on its bench).
 * `scan` visits every occurrence with the literal's position in the pattern list, and
 * `tokenBoundaries` makes a literal whose edge is a letter or digit match only where the text's
 * neighbouring character is not one (`.env` in `/.env` and `/app/.env.bak`, not in `/gift.envelope`).
 */
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';

export interface PathPatternsOptions {
  /**
   * Substring mode: a literal whose first (last) character is an ASCII letter or digit matches
   * only where the character before (after) it is not one, or at the start (end) of the text.
   * One flag for every pattern, or one per pattern (lists merged into one index).
   */
  tokenBoundaries?: boolean | readonly boolean[];
  /** Every pattern is a literal, `re:` included (lists read from data files, not written by hand). */
  literalsOnly?: boolean;
}

/** Receives the literal occurrences `scan` finds; made once at setup (no closure per call). */
export interface LiteralVisitor {
  /** `index`: the literal's position in the constructor's pattern list. True stops the scan. */
  visit(index: number, position: number): boolean;
}

/** Children kept in a small array up to this many, then in a Map. */
const SMALL_NODE = 8;
const NO_ENDS: readonly number[] = Object.freeze([]);

/** A trie node: its children by character code and the literals (pattern-list positions) ending here. */
class TrieNode {
  chars: number[] = [];
  kids: TrieNode[] = [];
  map: Map<number, TrieNode> | null = null;
  ends: readonly number[] = NO_ENDS;

  child(c: number): TrieNode | undefined {
    if (this.map !== null) return this.map.get(c);
    const chars = this.chars;
    for (let i = 0; i < chars.length; i++) if (chars[i] === c) return this.kids[i];
    return undefined;
  }

  add(c: number): TrieNode {
    const existing = this.child(c);
    if (existing !== undefined) return existing;
    const node = new TrieNode();
    if (this.map !== null) this.map.set(c, node);
    else {
      this.chars.push(c);
      this.kids.push(node);
      if (this.chars.length > SMALL_NODE) this.map = new Map(this.chars.map((ch, i) => [ch, this.kids[i] as TrieNode]));
    }
    return node;
  }
}

export class PathPatterns {
  private readonly literals: string[];
  private readonly regexes: RegExp[];
  /** Substring mode: literals of 2+ characters by their first two (`c0 << 16 | c1`), and 1-character ones. */
  private readonly byPair = new Map<number, string[]>();
  private readonly single = new Set<number>();
  /** First characters of the literals: 1 for ASCII ones (most paths' characters are tested here only), and the others. */
  private readonly firstAscii = new Uint8Array(128);
  private readonly firstOther = new Set<number>();
  /** ASCII pairs that start a literal (`c0 * 128 + c1`). */
  private readonly pairAscii = new Uint8Array(128 * 128);
  /** Substring mode: the literals as a trie (for `scan`), the root's ASCII children direct. */
  private readonly rootAscii: (TrieNode | undefined)[] = new Array(128).fill(undefined);
  private readonly root = new TrieNode();
  /** Per pattern-list position: needs token boundaries. */
  private readonly boundaryOf: Uint8Array;
  private readonly boundaries: boolean;
  private readonly anyPath: boolean;

  constructor(
    patterns: readonly string[],
    private readonly literalMode: 'prefix' | 'substring',
    what: string,
    options: PathPatternsOptions = {},
  ) {
    this.literals = [];
    this.regexes = [];
    const boundaries = options.tokenBoundaries ?? false;
    this.boundaryOf = Uint8Array.from(patterns, (_, i) => (typeof boundaries === 'boolean' ? boundaries : boundaries[i] === true) ? 1 : 0);
    this.boundaries = this.boundaryOf.includes(1);
    patterns.forEach((pattern, index) => {
      if (options.literalsOnly === true || !pattern.startsWith('re:')) {
        const literal = pattern.toLowerCase();
        this.literals.push(literal);
        if (literalMode === 'substring') this.addToTrie(literal, index);
        return;
      }
      try {
        this.regexes.push(new RegExp(pattern.slice(3), 'i'));
      } catch (cause) {
        throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `${what}: invalid regex ${JSON.stringify(pattern)}: ${(cause as Error).message}`, { cause });
      }
    });
    for (const literal of this.literals) {
      if (literal.length === 0) continue;
      const first = literal.charCodeAt(0);
      if (first < 128) this.firstAscii[first] = 1;
      else this.firstOther.add(first);
      if (literal.length === 1) this.single.add(first);
      else if (literal.length > 1) {
        const second = literal.charCodeAt(1);
        if (first < 128 && second < 128) this.pairAscii[first * 128 + second] = 1;
        const pair = (first << 16) | second;
        const list = this.byPair.get(pair);
        if (list === undefined) this.byPair.set(pair, [literal]);
        else list.push(literal);
      }
    }
    // An empty literal is in every path.
    this.anyPath = this.literals.includes('');
  }

  get empty(): boolean {
    return this.literals.length === 0 && this.regexes.length === 0;
  }

  /** `lowerPath` must already be lower case. */
  matches(lowerPath: string): boolean {
    if (this.literalMode === 'prefix') {
      for (const literal of this.literals) if (lowerPath.startsWith(literal)) return true;
    } else if (this.literals.length > 0 && (this.boundaries ? this.anyPath || this.firstLiteral(lowerPath) !== -1 : this.containsLiteral(lowerPath))) {
      return true;
    }
    for (const regex of this.regexes) if (regex.test(lowerPath)) return true;
    return false;
  }

  /**
   * Substring mode: visits each literal occurrence in `text` (already lower case) by position,
   * shorter literals first at one position (several equal literals: in pattern order); true when
   * the visitor stopped the scan. Regex patterns and the empty literal are not visited.
   */
  scan(text: string, visitor: LiteralVisitor): boolean {
    if (this.literalMode !== 'substring') throw new Error('PathPatterns.scan needs substring mode');
    const length = text.length;
    const rootAscii = this.rootAscii;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      let node = c < 128 ? rootAscii[c] : this.root.child(c);
      let j = i + 1;
      while (node !== undefined) {
        const ends = node.ends;
        for (let k = 0; k < ends.length; k++) {
          const index = ends[k] as number;
          if ((this.boundaryOf[index] === 0 || bounded(text, i, j - i)) && visitor.visit(index, i)) return true;
        }
        if (j === length) break;
        node = node.child(text.charCodeAt(j));
        j += 1;
      }
    }
    return false;
  }

  /** Substring mode: the pattern-list position of the first literal occurring in `text` (lower case), −1 when none. */
  firstLiteral(text: string): number {
    this.found = -1;
    this.scan(text, this.firstVisitor);
    return this.found;
  }

  private found = -1;
  private readonly firstVisitor: LiteralVisitor = {
    visit: (index: number): boolean => {
      this.found = index;
      return true;
    },
  };

  private addToTrie(literal: string, index: number): void {
    if (literal.length === 0) return;
    const first = literal.charCodeAt(0);
    let node: TrieNode;
    if (first < 128) {
      node = this.rootAscii[first] ?? new TrieNode();
      this.rootAscii[first] = node;
    } else node = this.root.add(first);
    for (let i = 1; i < literal.length; i++) node = node.add(literal.charCodeAt(i));
    node.ends = [...node.ends, index];
  }

  private containsLiteral(path: string): boolean {
    if (this.anyPath) return true;
    const firstAscii = this.firstAscii;
    const length = path.length;
    for (let i = 0; i < length; i++) {
      const c = path.charCodeAt(i);
      if (c < 128 ? firstAscii[c] === 0 : !this.firstOther.has(c)) continue;
      if (this.single.has(c)) return true;
      if (i + 1 === length) break;
      const next = path.charCodeAt(i + 1);
      if (c < 128 && next < 128 && this.pairAscii[c * 128 + next] === 0) continue;
      const list = this.byPair.get((c << 16) | next);
      if (list === undefined) continue;
      for (let k = 0; k < list.length; k++) if (path.startsWith(list[k] as string, i)) return true;
    }
    return false;
  }
}

/** The occurrence of `length` characters at `at` is not inside a word (token boundaries). */
function bounded(text: string, at: number, length: number): boolean {
  if (at > 0 && isWordChar(text.charCodeAt(at)) && isWordChar(text.charCodeAt(at - 1))) return false;
  const end = at + length;
  return !(end < text.length && isWordChar(text.charCodeAt(end - 1)) && isWordChar(text.charCodeAt(end)));
}

/** ASCII letter or digit (the text is lower case, but upper case counts too). */
function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
}
