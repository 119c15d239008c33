/**
 * The sink keeps its durable state in Cloudflare itself: every item it writes carries a comment
 * `botsieve exp=<expires_at ms> s=<score> r=<requests> v=<verdict id>`. A restarted sink reads
 * the lists and knows which items are its own and until when they are meant to stay, without a
 * database of its own. An item without the marker is foreign.
 */

/** Cloudflare's limit on an item comment. */
export const MAX_COMMENT_CHARS = 500;

export interface Marker {
  expires_at: number;
  score: number;
  /** Traffic of the subject when decided (largest `requests` evidence), for capacity priority. */
  traffic: number;
  verdict_id: string;
}

const PATTERN = /^botsieve exp=(\d+) s=(\d+) r=(\d+) v=(.*)$/s;

export function formatMarker(marker: Marker): string {
  const text = `botsieve exp=${marker.expires_at} s=${marker.score} r=${Math.round(marker.traffic)} v=${marker.verdict_id}`;
  return text.length <= MAX_COMMENT_CHARS ? text : text.slice(0, MAX_COMMENT_CHARS);
}

/** The marker in a comment, or undefined for a foreign item. */
export function parseMarker(comment: string | undefined): Marker | undefined {
  if (comment === undefined) return undefined;
  const match = PATTERN.exec(comment);
  if (match === null) return undefined;
  return { expires_at: Number(match[1]), score: Number(match[2]), traffic: Number(match[3]), verdict_id: match[4] as string };
}
