/**
 * Renders a WorldsReport: one table per variant (worst, median and best world per class for
 * botsieve and the baseline, the worst world's seed and parameters, the target on the worst
 * world), the worlds' one-line summaries and the misses. Text (aligned) for the terminal,
 * Markdown for reports.
 *
 * A cell reads `93.1% · 1.2 s · s7`: share mitigated, first mitigation when the target has a
 * time limit, the world's seed. Human classes read `0.02% b, 0.4% c · s7` (blocked, challenged).
 */
import { describeWorld } from '../simulate/worlds/describe.js';
import type { ClassAcrossWorlds, VariantAcrossWorlds, WorldPick, WorldsReport } from './worlds.js';
import { percent } from './targets.js';

const HEADER = ['class', 'goal', 'worlds', 'worst', 'median', 'best', 'met on worst', 'worst world (botsieve)', 'baseline worst', 'baseline median', 'baseline best', 'baseline met'] as const;
const VARIANT_TITLE = { bot_management: 'With Bot Management fields', plain: 'Without Bot Management fields (the baseline rule has nothing to act on)' } as const;

function mark(met: boolean | null, judged: boolean): string {
  if (!judged) return '';
  if (met === null) return '—';
  return met ? '✓' : '✗';
}

function cell(row: ClassAcrossWorlds, pick: WorldPick): string {
  const outcome = pick.outcome;
  const seed = `s${pick.seed}`;
  if (row.target?.kind === 'spare') return `${percent(outcome.blocked_share)} b, ${percent(outcome.challenged_share)} c · ${seed}`;
  if (row.target?.kind === 'mitigate' && row.target.max_first_mitigation_s !== undefined) {
    const first = outcome.first_mitigation_s === null ? '—' : `${outcome.first_mitigation_s.toFixed(1)} s`;
    return `${percent(outcome.mitigated_share)} · ${first} · ${seed}`;
  }
  return `${percent(outcome.mitigated_share)} · ${seed}`;
}

function rows(variant: VariantAcrossWorlds): string[][] {
  return variant.classes.map((row) => {
    const name = row.aggregate ? `${row.class} (all)` : row.class;
    const engine = row.engine === null ? ['—', '—', '—'] : [cell(row, row.engine.worst), cell(row, row.engine.median), cell(row, row.engine.best)];
    const baseline = variant.variant === 'plain' ? ['n/a', 'n/a', 'n/a'] : row.baseline === null ? ['—', '—', '—'] : [cell(row, row.baseline.worst), cell(row, row.baseline.median), cell(row, row.baseline.best)];
    const judged = row.target !== null;
    return [name, row.goal, String(row.worlds), ...engine, mark(row.met_on_worst, judged), row.worst_world, ...baseline, variant.variant === 'plain' ? '' : mark(row.baseline_met_on_worst, judged)];
  });
}

function summary(report: WorldsReport): string[] {
  const lines = [report.targets_met ? 'targets: all held on the worst world' : `targets missed on the worst world (${report.missed.length}):`];
  for (const miss of report.missed) lines.push(`  ${miss}`);
  if (report.worst_run !== null && report.worst_run.missed > 0) lines.push(`worst run: seed ${report.worst_run.seed} (${report.worst_run.variant}), ${report.worst_run.missed} targets missed: ${report.worst_run.world}`);
  return lines;
}

function worldLines(report: WorldsReport): string[] {
  return report.parameters.map((world) => `seed ${world.seed}: ${describeWorld(world)}`);
}

export function formatWorldsText(report: WorldsReport): string {
  const out: string[] = [`${report.worlds} worlds (seeds ${report.seeds.join(', ')}); cells: mitigated (or blocked b, challenged c) · first mitigation · seed; ✓ met, ✗ missed on the worst world`];
  for (const variant of report.variants) {
    const body = rows(variant);
    const widths = HEADER.map((title, i) => Math.max(title.length, ...body.map((cells) => (cells[i] ?? '').length)));
    const line = (cells: readonly string[]): string =>
      cells
        .map((text, i) => (i === 2 ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
        .join('  ')
        .replace(/\s+$/, '');
    out.push('', `${VARIANT_TITLE[variant.variant]}: ${variant.runs} runs`, line(HEADER), ...body.map(line));
  }
  out.push('', 'worlds:', ...worldLines(report).map((text) => `  ${text}`), '', ...summary(report));
  return `${out.join('\n')}\n`;
}

export function formatWorldsMarkdown(report: WorldsReport): string {
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]): string => `| ${cells.map(escape).join(' | ')} |`;
  const align = HEADER.map((_, i) => (i === 2 ? '--:' : ':--'));
  const out: string[] = [`${report.worlds} worlds (seeds ${report.seeds[0] ?? ''}–${report.seeds[report.seeds.length - 1] ?? ''}), each with and without Bot Management fields. Cells: share mitigated (humans: blocked b, challenged c) · first mitigation (flood targets) · seed of that world. Worst, median and best are ranked by the margin to the class's target.`];
  for (const variant of report.variants) {
    const body = rows(variant).map((cells, i) => (variant.classes[i]?.aggregate ? [`*${cells[0] ?? ''}*`, ...cells.slice(1)] : cells));
    out.push('', `${VARIANT_TITLE[variant.variant]} (${variant.runs} worlds):`, '', line(HEADER), line(align), ...body.map(line));
  }
  out.push('', 'Worlds:', '', ...worldLines(report).map((text) => `- ${text}`), '', ...summary(report).map((text) => (text.startsWith('  ') ? `  - ${text.trim()}` : `- ${text}`)));
  return `${out.join('\n')}\n`;
}
