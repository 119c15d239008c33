/**
 * Path patterns from config, compiled once: a plain string is a literal (matched as a prefix or
 * a substring, depending on the list), `re:` starts a regular expression. Literals are checked
 * with startsWith (no regex per event); regexes are compiled at boot.
 *
 * Substring literals are indexed by their first two characters: a literal occurs in the path iff
 * it starts at some position whose two characters are its own two, so the path is scanned once
 * and only the literals of each position's pair are tried there. The 19 default sensitive
 * paths all start with `/`, and `includes` for each of them was 12 % of feature extraction's
 * CPU profile (simulator traffic); a typical path now tries one or two literals per `/`.
 */
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';

export class PathPatterns {
  private readonly literals: string[];
  private readonly regexes: RegExp[];
  /** Substring mode: literals of 2+ characters by their first two (`c0 << 16 | c1`), and 1-character ones. */
  private readonly byPair = new Map<number, string[]>();
  private readonly single = new Set<number>();
  /** First characters of the literals: 1 for ASCII ones (most paths' characters are tested here only), and the others. */
  private readonly firstAscii = new Uint8Array(128);
  private readonly firstOther = new Set<number>();

  constructor(
    patterns: readonly string[],
    private readonly literalMode: 'prefix' | 'substring',
    what: string,
  ) {
    this.literals = [];
    this.regexes = [];
    for (const pattern of patterns) {
      if (!pattern.startsWith('re:')) {
        this.literals.push(pattern.toLowerCase());
        continue;
      }
      try {
        this.regexes.push(new RegExp(pattern.slice(3), 'i'));
      } catch (cause) {
        throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `${what}: invalid regex ${JSON.stringify(pattern)}: ${(cause as Error).message}`, { cause });
      }
    }
    for (const literal of this.literals) {
      if (literal.length === 0) continue;
      const first = literal.charCodeAt(0);
      if (first < 128) this.firstAscii[first] = 1;
      else this.firstOther.add(first);
      if (literal.length === 1) this.single.add(first);
      else if (literal.length > 1) {
        const pair = (literal.charCodeAt(0) << 16) | literal.charCodeAt(1);
        const list = this.byPair.get(pair);
        if (list === undefined) this.byPair.set(pair, [literal]);
        else list.push(literal);
      }
    }
    // An empty literal is in every path.
    this.anyPath = this.literals.includes('');
  }

  private readonly anyPath: boolean;

  get empty(): boolean {
    return this.literals.length === 0 && this.regexes.length === 0;
  }

  /** `lowerPath` must already be lower case. */
  matches(lowerPath: string): boolean {
    if (this.literalMode === 'prefix') {
      for (const literal of this.literals) if (lowerPath.startsWith(literal)) return true;
    } else if (this.literals.length > 0 && this.containsLiteral(lowerPath)) {
      return true;
    }
    for (const regex of this.regexes) if (regex.test(lowerPath)) return true;
    return false;
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
      const list = this.byPair.get((c << 16) | path.charCodeAt(i + 1));
      if (list === undefined) continue;
      for (let k = 0; k < list.length; k++) if (path.startsWith(list[k] as string, i)) return true;
    }
    return false;
  }
}
