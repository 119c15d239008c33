/**
 * Path patterns from config, compiled once: a plain string is a literal (matched as a prefix or
 * a substring, depending on the list), `re:` starts a regular expression. Literals are checked
 * with startsWith/includes (no regex per event); regexes are compiled at boot.
 */
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';

export class PathPatterns {
  private readonly literals: string[];
  private readonly regexes: RegExp[];

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
  }

  get empty(): boolean {
    return this.literals.length === 0 && this.regexes.length === 0;
  }

  /** `lowerPath` must already be lower case. */
  matches(lowerPath: string): boolean {
    if (this.literalMode === 'prefix') {
      for (const literal of this.literals) if (lowerPath.startsWith(literal)) return true;
    } else {
      for (const literal of this.literals) if (lowerPath.includes(literal)) return true;
    }
    for (const regex of this.regexes) if (regex.test(lowerPath)) return true;
    return false;
  }
}
