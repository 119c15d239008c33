/** The text and Markdown renderings: every class on its own line, columns aligned, marks right. */
import test from 'ava';
import { makeEvent } from '@botsieve/detectors/test-support';
import { TRAFFIC_CLASSES } from '../simulate/scenario.js';
import { formatMarkdown, formatText } from './format.js';
import { Scorer } from './scorer.js';

function report(botManagement: boolean) {
  const scorer = new Scorer();
  for (let i = 0; i < 100; i++) {
    const event = makeEvent({ timestamp_ms: 1_000_000 + i * 50, bot_score: botManagement ? (i < 95 ? 1 : 50) : null });
    scorer.add({ class: 'l7_flood' }, event, { action: i < 10 ? 'allow' : 'block' });
    scorer.add({ class: 'human' }, makeEvent({ timestamp_ms: 1_000_000 + i * 50, bot_score: botManagement ? 90 : null }), { action: 'allow' });
  }
  return scorer.report();
}

test('text: one aligned line per class, botsieve and baseline side by side', (t) => {
  const text = formatText(report(true));
  const lines = text.split('\n');
  const header = lines.find((line) => line.startsWith('class'));
  t.truthy(header);
  for (const cls of [...TRAFFIC_CLASSES, 'humans (all)']) t.true(lines.some((line) => line.startsWith(`${cls} `)), cls);
  const flood = lines.find((line) => line.startsWith('l7_flood')) ?? '';
  // botsieve: 90% blocked from the 11th request (0.5 s) → target met; baseline: 95%, at once.
  t.regex(flood, /l7_flood\s+100\s+≥90% mitigated, first ≤3 s\s+90%\s+90%\s+0%\s+0\.5 s\s+✓\s+95%\s+95%\s+0%\s+0\.0 s\s+✓/);
  t.regex(lines.find((line) => line.startsWith('scraper_rotating')) ?? '', /scraper_rotating\s+0\s+≥70% mitigated\s+—\s+—\s+—\s+—\s+—/);
  // Right-aligned numbers end in the same column as their header.
  const requestsEnd = (header ?? '').indexOf('requests') + 'requests'.length;
  t.is(flood.indexOf('100') + 3, requestsEnd);
  t.regex(text, /baseline: cf\.bot_management\.score lt 30 → block/);
  t.regex(text, /targets: all met/);
});

test('text without Bot Management: the baseline reads n/a', (t) => {
  const text = formatText(report(false));
  t.regex(text.split('\n').find((line) => line.startsWith('l7_flood')) ?? '', /✓\s+n\/a\s+n\/a\s+n\/a\s+n\/a$/);
  t.regex(text, /no BotScore in the data/);
});

test('markdown: a well-formed table with the summary below', (t) => {
  const markdown = formatMarkdown(report(true));
  const table = markdown.split('\n\n')[0]?.split('\n') ?? [];
  const columns = (line: string): number => line.split(/(?<!\\)\|/).length - 2;
  t.is(table.length, 2 + TRAFFIC_CLASSES.length + 1);
  t.true(table.every((line) => line.startsWith('| ') && line.endsWith(' |') && columns(line) === 13));
  t.true(table.some((line) => line.startsWith('| *humans (all)* |')));
  t.regex(markdown, /`cf\.bot_management\.score lt 30` → block/);
  t.regex(markdown, /- targets: all met/);
});

test('classes that miss a target are explained by subject and detector', (t) => {
  const scorer = new Scorer();
  for (let i = 0; i < 10; i++) {
    const subject = i < 9 ? 'asn:3320' : 'ip:192.0.2.1';
    scorer.add({ class: 'human' }, makeEvent({ timestamp_ms: 1_000_000 + i }), { action: i < 5 ? 'allow' : 'block', subject, reasons: i < 9 ? ['scraping', 'fusion'] : ['fusion'] });
  }
  const text = formatText(scorer.report());
  t.regex(text, /^ {2}human: subjects asn 80%, ip 20%; detectors fusion 100%, scraping 80%$/m);
  t.notRegex(text, /^ {2}humans: subjects/m); // aggregates are not explained twice
});
