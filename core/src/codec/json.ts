/** What both codecs share: the wire form is UTF-8 JSON, and a parse failure is an answer. */

/** Returned by parseWire for bytes that are not JSON (no JSON value is this object). */
export const NOT_JSON: unique symbol = Symbol('not JSON');

/** The JSON value in `bytes` (or text), or NOT_JSON. */
export function parseWire(bytes: Buffer | string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}
