/**
 * Client IP canonicalisation, on the hot path of every event.
 *
 * - IPv4: dotted quad, no leading zeros (an octet like `010` is ambiguous, octal or decimal, so it
 *   is rejected rather than guessed); prefix is the /24.
 * - IPv6: RFC 5952 text (lower case, no leading zeros, the longest run of two or more zero groups
 *   shortened to `::`, the first on a tie); prefix is the /64. Zone ids (`%eth0`) are rejected.
 * - IPv4-mapped IPv6 (`::ffff:a.b.c.d` or `::ffff:xxxx:xxxx`) becomes the IPv4 address, so one
 *   client has one key whichever way the edge wrote it.
 *
 * Results go into a caller-owned `IpParts` object and parsing uses one module-level scratch array:
 * no allocation besides the output strings (and none for the address when the input is already
 * canonical IPv4, the common case).
 */

export interface IpParts {
  ip: string;
  prefix: string;
}

export function newIpParts(): IpParts {
  return { ip: '', prefix: '' };
}

const groups = new Uint16Array(8);
const CHAR_0 = 48;
const CHAR_9 = 57;
const CHAR_DOT = 46;
const CHAR_COLON = 58;

/** Parses `text` into `out`; false when it is not an IP address. */
export function parseIp(text: string, out: IpParts): boolean {
  if (text.length === 0 || text.length > 45) return false;
  // A colon means IPv6; IPv4 never has one. indexOf is a fast native scan.
  if (text.indexOf(':') === -1) return parseIpv4(text, out);
  return parseIpv6(text, out);
}

function parseIpv4(text: string, out: IpParts): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  let octet = 0;
  let digits = 0;
  let index = 0;
  const length = text.length;
  for (let i = 0; i <= length; i++) {
    const code = i === length ? CHAR_DOT : text.charCodeAt(i);
    if (code >= CHAR_0 && code <= CHAR_9) {
      if (digits > 0 && octet === 0) return false; // leading zero
      octet = octet * 10 + (code - CHAR_0);
      digits++;
      if (octet > 255) return false;
    } else if (code === CHAR_DOT) {
      if (digits === 0) return false;
      if (i === length) {
        if (index !== 3) return false;
      } else if (index === 0) a = octet;
      else if (index === 1) b = octet;
      else if (index === 2) c = octet;
      else return false;
      index++;
      octet = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  out.ip = text;
  out.prefix = `${a}.${b}.${c}.0/24`;
  return true;
}

function parseIpv6(text: string, out: IpParts): boolean {
  const length = text.length;
  let count = 0; // groups written
  let gapAt = -1; // index in `groups` where `::` stands
  let i = 0;
  if (text.charCodeAt(0) === CHAR_COLON) {
    if (text.charCodeAt(1) !== CHAR_COLON) return false;
    gapAt = 0;
    i = 2;
    if (i === length) return finishIpv6(count, gapAt, out);
  }
  while (i < length) {
    if (count === 8) return false;
    const start = i;
    let value = 0;
    let hexDigits = 0;
    let sawDot = false;
    while (i < length) {
      const code = text.charCodeAt(i);
      const digit = hexValue(code);
      if (digit >= 0) {
        value = value * 16 + digit;
        hexDigits++;
        i++;
      } else {
        if (code === CHAR_DOT) sawDot = true;
        break;
      }
    }
    if (sawDot) {
      // Embedded IPv4 in the last 32 bits.
      if (count > 6) return false;
      if (!parseEmbeddedIpv4(text, start, count)) return false;
      count += 2;
      i = length;
      break;
    }
    if (hexDigits === 0 || hexDigits > 4) return false;
    groups[count++] = value;
    if (i === length) break;
    if (text.charCodeAt(i) !== CHAR_COLON) return false;
    i++;
    if (i < length && text.charCodeAt(i) === CHAR_COLON) {
      if (gapAt !== -1) return false; // two `::`
      gapAt = count;
      i++;
      if (i === length) break;
    } else if (i === length) {
      return false; // trailing single colon
    }
  }
  return finishIpv6(count, gapAt, out);
}

function parseEmbeddedIpv4(text: string, start: number, at: number): boolean {
  let octet = 0;
  let digits = 0;
  let index = 0;
  let high = 0;
  let low = 0;
  for (let i = start; i <= text.length; i++) {
    const code = i === text.length ? CHAR_DOT : text.charCodeAt(i);
    if (code >= CHAR_0 && code <= CHAR_9) {
      if (digits > 0 && octet === 0) return false;
      octet = octet * 10 + (code - CHAR_0);
      digits++;
      if (octet > 255) return false;
    } else if (code === CHAR_DOT) {
      if (digits === 0 || index > 3) return false;
      if (index === 0) high = octet << 8;
      else if (index === 1) high |= octet;
      else if (index === 2) low = octet << 8;
      else low |= octet;
      index++;
      octet = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (index !== 4) return false;
  groups[at] = high;
  groups[at + 1] = low;
  return true;
}

function finishIpv6(count: number, gapAt: number, out: IpParts): boolean {
  if (gapAt === -1) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false; // `::` must stand for at least one group
    const move = count - gapAt;
    const shift = 8 - count;
    for (let k = move - 1; k >= 0; k--) groups[gapAt + shift + k] = groups[gapAt + k] as number;
    for (let k = 0; k < shift; k++) groups[gapAt + k] = 0;
  }
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const high = groups[6] as number;
    const low = groups[7] as number;
    const a = high >>> 8;
    const b = high & 0xff;
    const c = low >>> 8;
    out.ip = `${a}.${b}.${c}.${low & 0xff}`;
    out.prefix = `${a}.${b}.${c}.0/24`;
    return true;
  }
  out.ip = formatIpv6(8);
  for (let k = 4; k < 8; k++) groups[k] = 0;
  out.prefix = `${formatIpv6(8)}/64`;
  return true;
}

/** RFC 5952 text of the first `length` (always 8) groups of the scratch array. */
function formatIpv6(length: number): string {
  let bestStart = -1;
  let bestLength = 1; // runs of one zero group are not shortened
  let runStart = -1;
  for (let k = 0; k <= length; k++) {
    if (k < length && groups[k] === 0) {
      if (runStart === -1) runStart = k;
    } else if (runStart !== -1) {
      if (k - runStart > bestLength) {
        bestStart = runStart;
        bestLength = k - runStart;
      }
      runStart = -1;
    }
  }
  let text = '';
  for (let k = 0; k < length; k++) {
    if (k === bestStart) {
      text += '::';
      k += bestLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += (groups[k] as number).toString(16);
  }
  return text;
}

function hexValue(code: number): number {
  if (code >= CHAR_0 && code <= CHAR_9) return code - CHAR_0;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}
