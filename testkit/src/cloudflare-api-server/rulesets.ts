/** Zone custom rulesets and the rule edit (PATCH) the sink makes, with Cloudflare's limits on a rule. */
import { ApiFailure, hex, iso } from './api-answer.js';

/** The counter the server shows. */
export interface RulesetCounters {
  rule_edits: number;
}

export interface Rule {
  id: string;
  ref: string;
  version: string;
  action: string;
  expression: string;
  description: string;
  enabled: boolean;
  last_updated: string;
}

interface Ruleset {
  id: string;
  zone_id: string;
  name: string;
  kind: 'zone';
  phase: 'http_request_firewall_custom';
  version: string;
  last_updated: string;
  rules: Rule[];
}

const RULE_ACTIONS = new Set(['block', 'managed_challenge', 'js_challenge', 'challenge', 'log', 'skip']);

export class Rulesets {
  private readonly rulesets = new Map<string, Ruleset>();

  constructor(private readonly counters: RulesetCounters) {}

  /** A zone custom ruleset with the given rules; returns the ids. */
  add(zone_id: string, rules: Array<{ action: string; expression: string; description?: string; enabled?: boolean }>): { ruleset_id: string; rule_ids: string[] } {
    const ruleset: Ruleset = { id: hex(16), zone_id, name: 'default', kind: 'zone', phase: 'http_request_firewall_custom', version: '1', last_updated: iso(), rules: [] };
    for (const rule of rules) {
      const id = hex(16);
      ruleset.rules.push({ id, ref: id, version: '1', action: rule.action, expression: rule.expression, description: rule.description ?? '', enabled: rule.enabled ?? true, last_updated: iso() });
    }
    this.rulesets.set(ruleset.id, ruleset);
    return { ruleset_id: ruleset.id, rule_ids: ruleset.rules.map((rule) => rule.id) };
  }

  rule(ruleset_id: string, rule_id: string): Rule | undefined {
    return this.rulesets.get(ruleset_id)?.rules.find((rule) => rule.id === rule_id);
  }

  /** The ruleset `ruleset_id` of zone `zone_id`; 404 otherwise. */
  inZone(zone_id: string, ruleset_id: string): Ruleset {
    const ruleset = this.rulesets.get(ruleset_id);
    if (ruleset === undefined || ruleset.zone_id !== zone_id) throw new ApiFailure(404, 10_007, 'Could not find ruleset');
    return ruleset;
  }

  /** PATCH /zones/:zone/rulesets/:ruleset/rules/:rule; answers with the whole ruleset. */
  edit(ruleset: Ruleset, rule_id: string, body: unknown): Ruleset {
    const rule = ruleset.rules.find((candidate) => candidate.id === rule_id);
    if (rule === undefined) throw new ApiFailure(404, 10_008, 'Could not find rule');
    const edit = (body ?? {}) as { action?: unknown; expression?: unknown; description?: unknown; enabled?: unknown };
    if (typeof edit.action !== 'string' || !RULE_ACTIONS.has(edit.action)) throw new ApiFailure(400, 20_020, 'rule action is missing or unknown');
    if (typeof edit.expression !== 'string' || edit.expression === '') throw new ApiFailure(400, 20_021, 'rule expression is missing');
    if (edit.expression.length > 4_096) throw new ApiFailure(400, 20_022, 'rule expression is longer than 4096 characters');
    // PATCH takes the whole rule definition: fields left out are reset, as Cloudflare documents.
    Object.assign(rule, { action: edit.action, expression: edit.expression, description: typeof edit.description === 'string' ? edit.description : '', enabled: edit.enabled !== false, version: String(Number(rule.version) + 1), last_updated: iso() });
    ruleset.version = String(Number(ruleset.version) + 1);
    ruleset.last_updated = rule.last_updated;
    this.counters.rule_edits += 1;
    return ruleset;
  }
}
