/**
 * Percent-decoding for signature matching, the way lenient servers decode: twice (a double
 * encoded `%252e%252e%252f` is `../` to a server that decodes again), `%XX` as the byte's
 * character (Latin-1: patterns are ASCII, UTF-8 text stays as harmless high characters), the
 * overlong UTF-8 forms of ASCII that old servers accepted (`%c0%ae` `.`, `%c0%af` `/`, `%c1%9c`
 * `\`, `%e0%80%ae` `.`), IIS `%uXXXX` with the Unicode slashes and dots folded to ASCII, and `+`
 * as a space in the query (first pass only). A malformed escape is kept as it is.
 *
 * Cost: nothing for text without `%` (and without `+` in a query): the same string comes back.
 */

/** Unicode look-alikes IIS treated as path characters, folded to ASCII. */
function fold(code: number): number {
  switch (code) {
    case 0x2215: // division slash
    case 0xff0f: // fullwidth solidus
      return 0x2f;
    case 0x2216: // set minus
    case 0xff3c: // fullwidth reverse solidus
      return 0x5c;
    case 0xff0e: // fullwidth full stop
      return 0x2e;
    default:
      return code;
  }
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The byte of `%XX` at `i` (text[i] === '%'), or −1 when it is not a valid escape. */
function byteAt(text: string, i: number): number {
  if (i + 2 >= text.length || text.charCodeAt(i) !== 37) return -1;
  const high = hex(text.charCodeAt(i + 1));
  const low = hex(text.charCodeAt(i + 2));
  return high < 0 || low < 0 ? -1 : (high << 4) | low;
}

/** One pass of percent-decoding (see the file comment); the same string when nothing changed. */
export function percentDecode(text: string, plusAsSpace: boolean): string {
  const percent = text.indexOf('%');
  const plus = plusAsSpace ? text.indexOf('+') : -1;
  if (percent === -1 && plus === -1) return text;
  let start = percent === -1 ? plus : plus === -1 ? percent : Math.min(percent, plus);
  let out = text.slice(0, start);
  const length = text.length;
  let i = start;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === 43 && plusAsSpace) {
      out += ' ';
      i += 1;
      continue;
    }
    if (c !== 37) {
      // Copy the run up to the next escape in one slice.
      start = i;
      while (i < length) {
        const d = text.charCodeAt(i);
        if (d === 37 || (d === 43 && plusAsSpace)) break;
        i += 1;
      }
      out += text.slice(start, i);
      continue;
    }
    const b = byteAt(text, i);
    if (b === -1) {
      // %uXXXX (IIS)
      if (i + 5 < length && (text.charCodeAt(i + 1) | 0x20) === 117) {
        const h1 = hex(text.charCodeAt(i + 2));
        const h2 = hex(text.charCodeAt(i + 3));
        const h3 = hex(text.charCodeAt(i + 4));
        const h4 = hex(text.charCodeAt(i + 5));
        if (h1 >= 0 && h2 >= 0 && h3 >= 0 && h4 >= 0) {
          out += String.fromCharCode(fold((h1 << 12) | (h2 << 8) | (h3 << 4) | h4));
          i += 6;
          continue;
        }
      }
      out += '%';
      i += 1;
      continue;
    }
    // Overlong UTF-8 of an ASCII character: C0/C1 + continuation, E0 80 + continuation.
    if (b === 0xc0 || b === 0xc1) {
      const b2 = byteAt(text, i + 3);
      if (b2 !== -1) {
        out += String.fromCharCode(((b & 0x1f) << 6) | (b2 & 0x3f));
        i += 6;
        continue;
      }
    } else if (b === 0xe0 && byteAt(text, i + 3) === 0x80) {
      const b3 = byteAt(text, i + 6);
      if (b3 !== -1) {
        out += String.fromCharCode(b3 & 0x3f);
        i += 9;
        continue;
      }
    }
    out += String.fromCharCode(b);
    i += 3;
  }
  return out;
}

/**
 * Two decoding passes over `text`; `passes` says how many changed it (0 to 2, for evidence).
 * One instance per detector, reused for every event.
 */
export class Decoder {
  passes = 0;

  decode(text: string, query: boolean): string {
    this.passes = 0;
    let current = text;
    for (let pass = 0; pass < 2; pass++) {
      const next = percentDecode(current, query && pass === 0);
      if (next === current) break;
      // An escape shortens the text (3 or 6 characters become 1); `+` as a space does not.
      if (next.length < current.length) this.passes += 1;
      current = next;
    }
    return current;
  }
}
