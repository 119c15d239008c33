/**
 * WORLD_RANGES as Markdown, for `simulator/README.md` (a test checks the README holds exactly
 * this text, so the documentation cannot drift from the ranges).
 */
import { WORLD_RANGES, type AttackerRanges, type ChoiceRange, type NumberRange } from './ranges.js';

function number(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
}

function choices(range: ChoiceRange<string>): string {
  const total = range.choices.reduce((sum, [weight]) => sum + weight, 0);
  return range.choices.map(([weight, value]) => (range.choices.length === 1 ? value : `${value} ${Math.round((weight / total) * 100)}%`)).join(', ');
}

function cell(range: NumberRange | ChoiceRange<string>): string {
  if ('choices' in range) return choices(range);
  const span = range.min === range.max ? number(range.min) : `${number(range.min)}–${number(range.max)}`;
  const flags = [range.log ? 'log' : '', range.integer ? 'integer' : '', range.scaled ? '× scale' : ''].filter((flag) => flag !== '');
  return flags.length === 0 ? span : `${span} (${flags.join(', ')})`;
}

export function worldRangesMarkdown(): string {
  const lines = ['| section | parameter | range | meaning |', '| :-- | :-- | :-- | :-- |'];
  const escape = (text: string): string => text.replace(/\|/g, '\\|');
  for (const [section, ranges] of Object.entries(WORLD_RANGES)) {
    if (section === 'attackers') continue;
    for (const [key, range] of Object.entries(ranges as Record<string, NumberRange | ChoiceRange<string>>)) lines.push(`| ${section} | \`${key}\` | ${escape(cell(range))} | ${escape(range.doc)} |`);
  }
  lines.push('', '| attack | network | user agent | copies | window (fraction of the run) |', '| :-- | :-- | :-- | :-- | :-- |');
  for (const [cls, ranges] of Object.entries(WORLD_RANGES.attackers) as [string, AttackerRanges][]) {
    const window = ranges.length === undefined ? (ranges.window ?? '') : ranges.length.min === 1 ? 'the whole run' : cell(ranges.length);
    lines.push(`| \`${cls}\` | ${choices(ranges.network)} | ${escape(choices(ranges.user_agent))} | ${ranges.copies === undefined ? 'web' : choices(ranges.copies)} | ${window} |`);
  }
  return `${lines.join('\n')}\n`;
}
