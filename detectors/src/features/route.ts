/**
 * Routes and request shapes derived from a path, without regexes on the hot path.
 *
 * A route is the host plus the first `depth` path segments, with id-like segments (digits,
 * long hex, UUIDs, slugs that start with a digit) replaced by `:id`:
 * `shop.example` + `/product/12345/reviews` → `shop.example/product/:id` (depth 2).
 */

/** True when a segment looks like an identifier rather than a fixed word. */
export function idLike(path: string, start: number, end: number): boolean {
  const first = path.charCodeAt(start);
  if (first >= 48 && first <= 57) return true; // starts with a digit: 123, 123-blue-shoe
  if (end - start < 16) return false;
  // Long hex or UUID-ish (32+ hex with dashes): session ids, hashes.
  for (let i = start; i < end; i++) {
    const c = path.charCodeAt(i);
    const hex = (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70) || c === 45;
    if (!hex) return false;
  }
  return true;
}

export function routeOf(host: string, path: string, depth: number): string {
  let out = host;
  let start = path.charCodeAt(0) === 47 ? 1 : 0;
  let segments = 0;
  while (start < path.length && segments < depth) {
    let end = path.indexOf('/', start);
    if (end === -1) end = path.length;
    if (end > start) {
      out += idLike(path, start, end) ? '/:id' : `/${path.slice(start, end).toLowerCase()}`;
      segments += 1;
    }
    start = end + 1;
  }
  return segments === 0 ? `${out}/` : out;
}

/** Leading digits of the last segment that starts with a digit (≤ 15 digits); −1 when none. */
export function numericIdOf(path: string): number {
  let end = path.length;
  while (end > 0) {
    const slash = path.lastIndexOf('/', end - 1);
    const start = slash + 1;
    let i = start;
    let value = 0;
    while (i < end && i - start < 15) {
      const c = path.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
      i += 1;
    }
    if (i > start) return value;
    if (slash <= 0) break;
    end = slash;
  }
  return -1;
}

/** Lower-case file extension of the last segment ('' when none). */
export function extensionOf(path: string): string {
  const dot = path.lastIndexOf('.');
  if (dot === -1 || path.indexOf('/', dot) !== -1 || path.length - dot > 8) return '';
  return path.slice(dot + 1).toLowerCase();
}

/**
 * Cache busting: a query parameter whose value looks random — at least 6 characters mixing ≥ 2
 * digits and ≥ 2 letters (`q=x8f3k2l9`, `_=1700000000123abc`), a value of 10+ digits (a
 * timestamp), or a known cache-busting name (`_`, `cb`, `nocache`, `rand`, `rnd`) — or a bare
 * parameter (no `=`), the form flood tools append to a page, that looks random itself: 10+
 * digits (`/?1700000000123`), or the value test above with digits and letters alternating at
 * least twice (`/?k3x9a2`; a campaign tag such as `/?gift2024` is a word and a year). Words
 * (`q=red+shoes`, `/?amp`) and small numbers (`page=3`) are not, nor are the click identifiers
 * ads, shopping results and analytics add to the link a person follows (`gclid`, `fbclid`,
 * `srsltid`, …: CLICK_IDS), random by design.
 */
export function looksCacheBusting(uri: string): boolean {
  const q = uri.indexOf('?');
  if (q === -1) return false;
  let start = q + 1;
  while (start < uri.length) {
    let end = uri.indexOf('&', start);
    if (end === -1) end = uri.length;
    const eq = uri.indexOf('=', start);
    const nameEnd = eq === -1 || eq > end ? end : eq;
    if (cacheBustingName(uri, start, nameEnd - start)) return true;
    if (nameEnd === end ? randomValue(uri, start, end, 2) : randomValue(uri, eq + 1, end, 0) && !CLICK_IDS.has(uri.slice(start, nameEnd))) return true;
    start = end + 1;
  }
  return false;
}

/**
 * Click identifiers: Google Ads (`gclid`, `gbraid`, `wbraid`, `dclid`, `gclsrc`), Google Shopping
 * results (`srsltid`), Google Analytics' cross-domain linker (`_gl`, `_ga`), Meta (`fbclid`,
 * `igshid`), Microsoft Ads (`msclkid`), TikTok (`ttclid`), X (`twclid`), LinkedIn (`li_fat_id`),
 * Yandex (`yclid`), Mailchimp (`mc_eid`), Pinterest (`epik`). A person arriving from an ad or a
 * shopping result carries one on the landing page.
 */
const CLICK_IDS: ReadonlySet<string> = new Set(['gclid', 'gbraid', 'wbraid', 'dclid', 'gclsrc', 'srsltid', '_gl', '_ga', 'fbclid', 'igshid', 'msclkid', 'ttclid', 'twclid', 'li_fat_id', 'yclid', 'mc_eid', 'epik']);

/** `uri.slice(start, start + length)` is a known cache-busting name (compared in place: no slice per parameter). */
function cacheBustingName(uri: string, start: number, length: number): boolean {
  switch (length) {
    case 1:
      return uri.charCodeAt(start) === 95; // _
    case 2:
      return uri.startsWith('cb', start);
    case 3:
      return uri.startsWith('rnd', start);
    case 4:
      return uri.startsWith('rand', start);
    case 7:
      return uri.startsWith('nocache', start);
    case 11:
      return uri.startsWith('cachebuster', start);
    default:
      return false;
  }
}

/** 6+ characters with ≥ 2 digits and ≥ 2 letters (and `minAlternations` digit/letter changes), or 10+ digits. */
function randomValue(s: string, start: number, end: number, minAlternations: number): boolean {
  if (end - start < 6) return false;
  let digits = 0;
  let letters = 0;
  let alternations = 0;
  let previous = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    let type = 0;
    if (c >= 48 && c <= 57) {
      digits += 1;
      type = 1;
    } else if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) {
      letters += 1;
      type = 2;
    }
    if (type !== 0) {
      if (previous !== 0 && type !== previous) alternations += 1;
      previous = type;
    }
  }
  return (digits >= 2 && letters >= 2 && alternations >= minAlternations) || digits >= 10;
}
