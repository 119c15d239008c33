/**
 * JA4 verdicts are enforced by two managed WAF custom rules (one `block`, one
 * `managed_challenge`) whose expression the sink rewrites:
 * `(cf.bot_management.ja4 in {"…" "…"}) and not cf.client.bot`. Lists cannot hold JA4
 * fingerprints. The rule's description carries the durable state like an item comment does:
 * `botsieve exp=<latest expiry> s=<lowest score>`; a restarted sink adopts the rule's fingerprints
 * until that expiry (the rule holds one expiry for all of them, so a fingerprint may stay until the
 * latest one: erring towards enforcing, never dropping early).
 *
 * Verified bots are exempt, whatever the verdict: a JA4 is a population (every client of one TLS
 * stack), and a monitoring bot or a crawler sharing the fleet's stack is not the fleet. The rule
 * cannot call botsieve's ClientExemption; it asks the edge's own answer, `cf.client.bot` ("whether
 * the request originated from a known good bot or crawler; provides the same information as
 * cf.bot_management.verified_bot", Cloudflare's rules-language reference), on every plan. The list
 * rules (Terraform, infra/terraform/cloudflare.tf) carry the same `not cf.client.bot`. `ua:`
 * verdicts have no rule (not enforceable at the edge), so nothing else needs the exemption here.
 * Rules written before the exemption existed (`cf.bot_management.ja4 in {…}` alone) are still
 * adopted, and rewritten by the next pass because their expression differs from the wanted one.
 */
import type { RuleEdit } from './api.js';
import type { DesiredEntry, EnforcedAction } from './desired-state.js';

const FIELD = 'cf.bot_management.ja4 in {';
/** Appended to every enforcing expression: the edge's verified-bot answer. */
export const VERIFIED_BOT_EXEMPTION = 'not cf.client.bot';
const OPEN = `(${FIELD}`;
const CLOSE = `}) and ${VERIFIED_BOT_EXEMPTION}`;
/** A disabled rule still needs a valid expression (and enforces nothing, so needs no exemption). */
const EMPTY_EXPRESSION = 'cf.bot_management.ja4 in {""}';
const DESCRIPTION = /^botsieve exp=(\d+) s=(\d+)/;

export const RULE_ACTION: Record<EnforcedAction, RuleEdit['action']> = { block: 'block', challenge: 'managed_challenge' };

export function ja4ExpressionLength(values: readonly string[]): number {
  let length = OPEN.length + CLOSE.length;
  for (const value of values) length += value.length + 2;
  return length + Math.max(0, values.length - 1);
}

/** The rule for a set of entries; values sorted so that equal sets give equal expressions. */
export function ja4Rule(action: EnforcedAction, entries: readonly DesiredEntry[]): RuleEdit {
  if (entries.length === 0) return { action: RULE_ACTION[action], expression: EMPTY_EXPRESSION, description: 'botsieve exp=0 s=0 (no JA4 verdicts)', enabled: false };
  const values = entries.map((entry) => entry.value).sort();
  let expires_at = 0;
  let score = 99;
  for (const entry of entries) {
    expires_at = Math.max(expires_at, entry.expires_at);
    score = Math.min(score, entry.score);
  }
  return {
    action: RULE_ACTION[action],
    expression: `${OPEN}${values.map((value) => `"${value}"`).join(' ')}${CLOSE}`,
    description: `botsieve exp=${expires_at} s=${score} (JA4 ${action} verdicts, managed by botsieve)`,
    enabled: true,
  };
}

/**
 * The fingerprints in a rule we wrote, with the expiry and score of its description; undefined
 * when it is not ours. Reads the current form and the one written before the exemption.
 */
export function parseJa4Rule(expression: string, description: string): { values: string[]; expires_at: number; score: number } | undefined {
  const marker = DESCRIPTION.exec(description);
  if (marker === null) return undefined;
  let list: string;
  if (expression.startsWith(OPEN) && expression.endsWith(CLOSE)) list = expression.slice(OPEN.length, -CLOSE.length);
  else if (expression.startsWith(FIELD) && expression.endsWith('}')) list = expression.slice(FIELD.length, -1);
  else return undefined;
  const values = [...list.matchAll(/"([A-Za-z0-9_]+)"/g)].map((match) => match[1] as string);
  return { values, expires_at: Number(marker[1]), score: Number(marker[2]) };
}

/** Latest expiry written into a rule's description (0 when none). */
export function ruleExpiry(description: string): number {
  const marker = DESCRIPTION.exec(description);
  return marker === null ? 0 : Number(marker[1]);
}
