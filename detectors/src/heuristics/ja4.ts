/**
 * Does a TLS fingerprint look like a browser's? Used for `ua_ja4_mismatch`: a user agent that
 * claims Chrome while its TLS handshake is Python's or Go's is a script wearing a browser's UA.
 *
 * The rule reads only the JA4 "a" part (the 10 characters before the first `_`), which says what
 * kind of client spoke, not which build: `t13d1516h2` = protocol `t` (TCP; `q` QUIC), TLS `13`,
 * SNI present (`d`; `i` = none), 15 cipher suites, 16 extensions, ALPN `h2` (GREASE excluded
 * from the counts). Browsers offer TLS 1.3, send SNI, offer h2 (h3 over QUIC) and many cipher
 * suites in a build-specific number (15 in Chromium, 17 or 19 in Firefox, 20 in Safari); HTTP
 * libraries and scripts differ in at least one of these (no h2, no SNI, OpenSSL's long suite list).
 *
 * The accepted "a" parts are data (`browser_ja4_a_patterns` in the heuristics config); the
 * defaults below come from published fingerprints of real browsers:
 * - FoxIO's JA4 test vectors and README (github.com/FoxIO-LLC/ja4): Chrome `t13d1516h2_8daaf6152771_e5627efa2ab1`,
 *   `…_02713d6af862`; Firefox 105 `t13d1715h2_5b57614c22b0_3d5424432f57`;
 * - browser-impersonation test suites (curl_cffi, utls, primp) measured at tls.browserleaks.com /
 *   tls.peet.ws: Chrome 120–143 `t13d1516h2_8daaf6152771_{02713d6af862,d8a2da3f94cd}`, Edge 85
 *   `t13d1515h2…`, Firefox 120–147 `t13d1715h2` / `t13d1717h2`, Firefox 148 `t13d1917h2`,
 *   Safari 16–26 and iOS `t13d2014h2_a09f3c656075_…` / `t13d2013h2…`.
 * - QUIC: the handshake carries only TLS 1.3's suites (RFC 9001 §5.3), so an HTTP/3 browser shows
 *   3 ciphers (`q13d03xxh3`); the "many cipher suites" test does not apply there.
 */
import { BotsieveError } from '@botsieve/core';
import { DETECTOR_ERRORS } from '../errors.js';

export const DEFAULT_BROWSER_JA4_A_PATTERNS: readonly string[] = Object.freeze([
  '^t13d151[2-9]h2$', // Chromium: Chrome, Edge, Opera, Brave (15 suites)
  '^t13d1[79]1[0-9]h2$', // Firefox / NSS (17 suites; 19 since Firefox 148)
  '^t13d201[0-9]h2$', // Safari, iOS WebKit (20 suites)
  '^q13d03[0-1][0-9]h3$', // any of them over HTTP/3 (QUIC: the 3 TLS 1.3 suites only)
]);

/** The "a" part of a JA4 (`t13d1516h2` of `t13d1516h2_8daaf6152771_02713d6af862`); '' when malformed. */
export function ja4APart(ja4: string): string {
  const end = ja4.indexOf('_');
  return end === 10 ? ja4.slice(0, 10) : '';
}

export class Ja4BrowserMatcher {
  private readonly patterns: readonly RegExp[];

  /** Compiles the regex sources once; throws ERR_DETECTOR_CONFIG naming one that does not compile. */
  constructor(patterns: readonly string[] = DEFAULT_BROWSER_JA4_A_PATTERNS) {
    this.patterns = patterns.map((source, index) => {
      try {
        return new RegExp(source);
      } catch (cause) {
        throw new BotsieveError(DETECTOR_ERRORS.ERR_DETECTOR_CONFIG.code, `browser_ja4_a_patterns[${index}] ${JSON.stringify(source)} is not a regular expression: ${(cause as Error).message}`, { cause });
      }
    });
  }

  /** True when the fingerprint's "a" part matches an accepted browser shape. */
  matches(ja4: string): boolean {
    const a = ja4APart(ja4);
    if (a === '') return false;
    for (const pattern of this.patterns) if (pattern.test(a)) return true;
    return false;
  }
}

const DEFAULT_MATCHER = new Ja4BrowserMatcher();

/**
 * True when the JA4 looks like a mainstream browser's (see the file comment for the rule). Pass a
 * matcher built from `browser_ja4_a_patterns` to use configured shapes. Callers cache per JA4.
 */
export function ja4LooksLikeBrowser(ja4: string, matcher: Ja4BrowserMatcher = DEFAULT_MATCHER): boolean {
  return matcher.matches(ja4);
}
