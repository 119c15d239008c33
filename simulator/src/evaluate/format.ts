/**
 * Renders an EvaluationReport: an aligned text table for the terminal and a Markdown table for
 * the README. Kept apart from the scorer so the numbers are tested without string matching.
 *
 * Marks: ✓ target met, ✗ missed, — class absent (nothing to judge), blank: no target. The
 * baseline columns read `n/a` when the data has no Bot Management fields.
 */
import type { ClassReport, EvaluationReport } from './scorer.js';
import { percent, type Outcome, type TargetResult } from './targets.js';

const HEADERS = ['class', 'requests', 'goal', 'mitigated', 'blocked', 'challenged', 'first', 'met'] as const;

function mark(result: TargetResult | null): string {
  if (result === null) return '';
  if (result.met === null) return '—';
  return result.met ? '✓' : '✗';
}

function seconds(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(1)} s`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function name(row: ClassReport): string {
  return row.aggregate ? `${row.class} (all)` : row.class;
}

function outcomeCells(row: ClassReport, outcome: Outcome, result: TargetResult | null, applicable: boolean): string[] {
  if (!applicable) return ['n/a', 'n/a', 'n/a', 'n/a', ''];
  if (row.requests === 0) return ['—', '—', '—', '—', mark(result)];
  return [percent(outcome.mitigated_share), percent(outcome.blocked_share), percent(outcome.challenged_share), seconds(outcome.first_mitigation_s), mark(result)];
}

function rows(report: EvaluationReport): string[][] {
  return report.classes.map((row) => [
    name(row),
    count(row.requests),
    row.goal,
    ...outcomeCells(row, row.engine, row.engine_result, true),
    ...outcomeCells(row, row.baseline, row.baseline_result, report.bot_management),
  ]);
}

/** `asn 92%, prefix 8%; detectors fusion 99%, l7-flood 41%`: shares of the class's mitigated requests. */
export function describeCauses(row: ClassReport): string {
  const total = row.engine.mitigated;
  const shares = (entries: [string, number][], limit: number): string =>
    entries
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([key, n]) => `${key} ${percent(n / total)}`)
      .join(', ');
  return `subjects ${shares(Object.entries(row.causes.subjects), 5)}; detectors ${shares(Object.entries(row.causes.detectors), 5)}`;
}

function summary(report: EvaluationReport): string[] {
  const lines = [report.targets_met ? 'targets: all met' : `targets missed (${report.missed.length}):`];
  for (const miss of report.missed) lines.push(`  ${miss}`);
  const explained = report.classes.filter((row) => !row.aggregate && row.engine_result?.met === false && row.engine.mitigated > 0);
  if (explained.length > 0) lines.push('mitigations of classes that missed a target, by verdict subject and detector:');
  for (const row of explained) lines.push(`  ${row.class}: ${describeCauses(row)}`);
  if (!report.bot_management) lines.push('baseline: no BotScore in the data (zone without Bot Management), so the rule mitigates nothing');
  return lines;
}

/** Aligned text: numbers right, words left, botsieve and baseline side by side. */
export function formatText(report: EvaluationReport): string {
  const header = [...HEADERS, ...HEADERS.slice(3)];
  const body = rows(report);
  const widths = header.map((cell, i) => Math.max(cell.length, ...body.map((row) => (row[i] ?? '').length)));
  const left = new Set([0, 2]);
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (left.has(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .replace(/\s+$/, '');
  const engineStart = widths.slice(0, 3).reduce((sum, width) => sum + width + 2, 0);
  const engineWidth = widths.slice(3, 8).reduce((sum, width) => sum + width + 2, 0);
  const title = `${' '.repeat(engineStart)}${'botsieve'.padEnd(engineWidth)}baseline: ${report.baseline_rule} → ${report.baseline_action}`;
  const out = [`${count(report.requests)} requests scored; targets marked ✓ met, ✗ missed, — no requests`, '', title, line(header), ...body.map(line), '', ...summary(report)];
  return `${out.join('\n')}\n`;
}

/** A Markdown table (GitHub flavour) with the summary below it. */
export function formatMarkdown(report: EvaluationReport): string {
  const header = ['class', 'requests', 'goal', 'mitigated', 'blocked', 'challenged', 'first mitigation', 'met', 'baseline mitigated', 'baseline blocked', 'baseline challenged', 'baseline first', 'baseline met'];
  const align = header.map((_, i) => (i === 0 || i === 2 ? ':--' : '--:'));
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]): string => `| ${cells.map(escape).join(' | ')} |`;
  const body = rows(report).map((cells, i) => (report.classes[i]?.aggregate ? [`*${cells[0] ?? ''}*`, ...cells.slice(1)] : cells));
  const notes = [
    `Baseline: one Cloudflare custom rule \`${report.baseline_rule}\` → ${report.baseline_action}, applied per request.`,
    "Mitigated = blocked or challenged by verdicts issued before the request (causal replay); first = seconds from the class's first request to its first mitigated one.",
    '',
    ...summary(report).map((text) => (text.startsWith('  ') ? `  - ${text.trim()}` : `- ${text}`)),
  ];
  return `${[line(header), line(align), ...body.map(line)].join('\n')}\n\n${notes.join('\n')}\n`;
}
