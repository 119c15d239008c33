/**
 * Configuration of the `attack-signatures` detector: what each class of give-away request
 * recommends (score, action, TTL hint), the request signatures (built-ins by default, see
 * default-signatures.ts), which methods and protocols a client may use, entries of the shipped
 * CRS lists to ignore, the data file, the cooldown and the state cap. Every regex and the data
 * file are checked here, so a bad config fails at boot with ERR_DETECTOR_CONFIG.
 */
import { regexSource } from '@botsieve/runtime';
import { z } from 'zod';
import { parseOrThrow } from '../parse-or-throw.js';
import { loadAttackData } from './data.js';
import { DEFAULT_SIGNATURES } from './default-signatures.js';

/** Classes of give-away requests: each is one signal name (`<id>/<class>`) with its own action. */
export const ATTACK_CLASSES = ['attack_tool', 'traversal', 'restricted_file', 'os_file', 'exploit', 'sqli', 'xss', 'protocol'] as const;
export type AttackClass = (typeof ATTACK_CLASSES)[number];

/** Classes a configured signature may have (the others come from the CRS lists and the request-line checks). */
export const SIGNATURE_CLASSES = ['traversal', 'exploit', 'sqli', 'xss'] as const;

/**
 * Where a signature looks: the decoded (percent-decoding applied twice, overlong and %u forms
 * folded, `+` as space in the query) lower-cased path or query string, or the lower-cased user agent.
 */
export const SIGNATURE_TARGETS = ['path', 'query', 'user_agent'] as const;
export type SignatureTarget = (typeof SIGNATURE_TARGETS)[number];

const actionSchema = z.enum(['block', 'challenge', 'log']);


export const signatureSchema = z.strictObject({
  id: z.number().int().min(100).max(9_999).describe('Number in the evidence (`signature`); 100–9999, unique.'),
  class: z.enum(SIGNATURE_CLASSES).describe('Class whose score, action and TTL apply: traversal, exploit, sqli or xss.'),
  targets: z.array(z.enum(SIGNATURE_TARGETS)).min(1).describe('Where to look: decoded lower-cased path, query, or the lower-cased user agent.'),
  /** Lower-case literals, one of which must occur in the target: the cheap index that decides whether `regex` runs at all. */
  anchors: z
    .array(z.string().min(1).max(128).refine((a) => a === a.toLowerCase(), { message: 'anchors are lower case (targets are lower-cased)' }))
    .min(1)
    .describe('Lower-case literals, one of which must occur in the target before the regex runs.'),
  regex: regexSource.nullable().default(null).describe('Regular expression that confirms the match (case-insensitive); null: an anchor alone matches.'),
  /** What the signature catches, for people reading the config. */
  description: z.string().default('').describe('What the signature catches.'),
});

export type Signature = z.output<typeof signatureSchema>;
export type SignatureInput = z.input<typeof signatureSchema>;

function classSchema(what: string, defaults: { score: number; action: 'block' | 'challenge' | 'log' }) {
  return z
    .strictObject({
      /** Whether requests of this class signal at all. */
      enabled: z.boolean().default(true).describe(`Signal ${what}.`),
      score: z.number().int().min(1).max(99).default(defaults.score).describe('Score of the signal (1 certainly automated … 99 certainly human).'),
      action: actionSchema.default(defaults.action).describe('What one such request recommends for its IP.'),
      /**
       * TTL hint for the verdict (fusion uses it in place of its per-action TTL when every signal
       * recommending the verdict's action carries one; repeat offences still multiply it); null:
       * fusion's TTL.
       */
      ttl_ms: z.number().int().positive().max(86_400_000).nullable().default(300_000).describe("TTL hint for the verdict (repeat offences multiply it in fusion); null: fusion's per-action TTL."),
    })
    .prefault({})
    .describe(`Class: ${what}.`);
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH'];

export const attackSignaturesConfigSchema = z.strictObject({
  /** Per class: enabled, score, action, TTL hint. */
  classes: z
    .strictObject({
      /** User agent of a known scanner or attack tool (CRS scanners-user-agents: sqlmap, nikto, nuclei, masscan, zgrab, wpscan, Hydra, …). */
      attack_tool: classSchema('user agents of known scanners and attack tools (CRS list)', { score: 3, action: 'block' }),
      /** Path traversal: dot-dot segments (raw, encoded, double-encoded, overlong), parent steps in parameters, NUL bytes. */
      traversal: classSchema('path traversal, raw or encoded', { score: 2, action: 'block' }),
      /** A restricted file in the path (CRS restricted-files: `.env`, `.git/`, `wp-config.`, `/app/etc/env.php`, …). */
      restricted_file: classSchema('requests for restricted files (CRS list: secrets, VCS, configs, dumps)', { score: 4, action: 'block' }),
      /** An operating-system file in a parameter (CRS lfi-os-files: `etc/passwd`, `windows/win.ini`, …). */
      os_file: classSchema('operating-system files named in parameters (CRS list)', { score: 3, action: 'block' }),
      /** Exploit probes for known CVEs, command and template injection, Log4Shell, Shellshock. */
      exploit: classSchema('exploit probes for known vulnerabilities and injections', { score: 2, action: 'block' }),
      /** SQL injection probes in the path or query. */
      sqli: classSchema('SQL injection probes', { score: 4, action: 'block' }),
      /** Cross-site scripting probes in the path or query. */
      xss: classSchema('cross-site scripting probes', { score: 4, action: 'block' }),
      /** Requests no browser sends: unknown method or protocol, TRACE/TRACK/DEBUG, CONNECT, a foreign absolute URI, a malformed target. */
      protocol: classSchema('requests no browser sends (method, protocol, proxy requests, malformed targets)', { score: 5, action: 'block' }),
    })
    .prefault({})
    .describe('Per class of give-away request: enabled, score, action, TTL hint.'),
  /** Request signatures (see default-signatures.ts); replacing the list replaces every built-in. */
  signatures: z
    .array(signatureSchema)
    .max(10_000)
    .superRefine((signatures, ctx) => {
      const seen = new Set<number>();
      signatures.forEach((signature, index) => {
        if (typeof signature?.id !== 'number') return;
        if (seen.has(signature.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `duplicate signature id ${signature.id}` });
        seen.add(signature.id);
      });
    })
    .prefault([...DEFAULT_SIGNATURES])
    .describe('Request signatures (id, class, targets, anchors, regex); default: the built-ins of default-signatures.ts.'),
  /** Signature ids (built-in or configured) that never signal. */
  disabled_signatures: z.array(z.number().int()).default([]).describe('Signature ids that never signal.'),
  /**
   * Entries of the shipped lists that never match here (case-insensitive, as written in the
   * list), e.g. `config.json` on a site that serves one, `detectify` for an authorised scanner.
   */
  except_entries: z
    .strictObject({
      attack_tools: z.array(z.string().min(1)).default([]).describe('attack_tools entries to ignore.'),
      restricted_files: z.array(z.string().min(1)).default([]).describe('restricted_files entries to ignore.'),
      /**
       * Default `program files`: the only os_files entry that is plain words, matched in
       * parameters, where shoppers type words (a search for a "program files organiser"); the
       * Windows path still shows as traversal or `windows/…` entries.
       */
      os_files: z.array(z.string().min(1)).default(['program files']).describe('os_files entries to ignore (default: `program files`, words a search may hold).'),
    })
    .prefault({})
    .describe('Entries of the shipped CRS lists to ignore (case-insensitive).'),
  /** Methods a client may use; anything else (but '' = unknown) is the `protocol` class. CONNECT and `probe_methods` are judged apart. */
  known_methods: z.array(z.string().min(1)).min(1).default(DEFAULT_METHODS).describe("Methods clients may use (case-sensitive); any other but '' (unknown) is a protocol signal."),
  probe_methods: z.array(z.string().min(1)).default(['TRACE', 'TRACK', 'DEBUG']).describe('Methods only scanners send (cross-site tracing, IIS debugging).'),
  /**
   * Protocols clients may speak. Cloudflare writes `HTTP/2`, `HTTP/3`; origin servers such as
   * nginx write `HTTP/2.0`, `HTTP/3.0`. '' (unknown) is never judged.
   */
  known_protocols: z.array(z.string().min(1)).min(1).default(['HTTP/1.0', 'HTTP/1.1', 'HTTP/2', 'HTTP/2.0', 'HTTP/3', 'HTTP/3.0']).describe("Protocols clients may speak (case-sensitive); '' (unknown) is never judged."),
  /** Attack data file (CRS lists with provenance); null: the file shipped with botsieve. */
  data_file: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .superRefine((file, ctx) => {
      try {
        loadAttackData(file);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .describe('Attack data file (CRS lists with provenance, `botsieve attack-signatures refresh`); null: the shipped file.'),
  /** Per (IP, class): at most one signal per this much event time; also the detector's lookback. */
  cooldown_ms: z.number().int().positive().max(86_400_000).default(60_000).describe('Per (IP, class): at most one signal per this much event time.'),
  max_tracked_subjects: z.number().int().positive().max(10_000_000).default(100_000).describe('Most (IP, class) cooldowns tracked; when full the least recently matched is forgotten.'),
});

export type AttackSignaturesConfig = z.output<typeof attackSignaturesConfigSchema>;
export type AttackClassConfig = AttackSignaturesConfig['classes']['attack_tool'];

/** Validates raw config, every regex and the data file; throws ERR_DETECTOR_CONFIG listing every problem. */
export function parseAttackSignaturesConfig(raw: unknown): AttackSignaturesConfig {
  return parseOrThrow(attackSignaturesConfigSchema, raw ?? {}, 'attack-signatures config');
}
