import test from 'ava';
import { LineSplitter, type LineSink } from './line-splitter.js';

class Collect implements LineSink {
  lines: string[] = [];
  long: string[] = [];
  line(buffer: Buffer, start: number, end: number): void {
    this.lines.push(buffer.toString('utf8', start, end));
  }
  longLine(head: Buffer): void {
    this.long.push(head.toString('utf8'));
  }
}

function split(chunks: string[], maxLineBytes = 1_000, headBytes = 4): Collect {
  return splitWith(new LineSplitter(maxLineBytes, headBytes, new Collect()), chunks);
}

function splitWith(splitter: LineSplitter, chunks: string[]): Collect {
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return (splitter as unknown as { sink: Collect }).sink;
}

test('lines within and across chunks, CRLF, last line without newline; blank lines are skipped and counted', (t) => {
  t.deepEqual(split(['a\nbb\r\nc', 'cc\n', '', 'd', 'd', '\nlast']).lines, ['a', 'bb', 'ccc', 'dd', 'last']);
  const splitter = new LineSplitter(1_000, 4, new Collect());
  t.deepEqual(splitWith(splitter, ['\n\n', 'x\r\n\r\n', '\n']).lines, ['x']);
  t.is(splitter.blankLines, 4);
  t.is(splitter.lines, 1);
});

test('blank lines past max_blank_lines plus the non-blank ones stop the splitter in the chunk that crosses it', (t) => {
  // Double-spaced NDJSON is fine: as many blank lines as records.
  const spaced = new LineSplitter(1_000, 4, new Collect(), 10);
  t.is(splitWith(spaced, ['a\n\nb\n\n'.repeat(1_000)]).lines.length, 2_000);
  t.false(spaced.tooManyBlankLines);
  // A newline bomb: 64 MiB of newlines in one chunk is refused at the 11th, the rest not looked at.
  const bomb = new LineSplitter(1_000, 4, new Collect(), 10);
  bomb.push(Buffer.alloc(64 * 1024 * 1024, 0x0a));
  t.true(bomb.tooManyBlankLines);
  t.is(bomb.blankLines, 11);
  bomb.push(Buffer.from('late\n'));
  t.deepEqual((bomb as unknown as { sink: Collect }).sink.lines, [], 'nothing after the refusal is looked at');
});

test('every byte split point gives the same lines', (t) => {
  const text = 'first line\n{"json":"é😀"}\r\nthird\n\nfifth';
  const expected = split([text]).lines;
  for (let cut = 0; cut <= Buffer.byteLength(text); cut++) {
    const bytes = Buffer.from(text);
    const sink = new Collect();
    const splitter = new LineSplitter(1_000, 4, sink);
    splitter.push(bytes.subarray(0, cut));
    splitter.push(bytes.subarray(cut));
    splitter.end();
    t.deepEqual(sink.lines, expected, `cut at ${cut}`);
  }
});

test('a line over the limit is reported once with its head and skipped, wherever it breaks', (t) => {
  const long = 'x'.repeat(50);
  for (const chunks of [[`ok\n${long}\nnext\n`], ['ok\n', long.slice(0, 5), long.slice(5, 30), long.slice(30), '\nnext\n'], ['ok\n', long, '\nnext']]) {
    const sink = split(chunks, 10, 4);
    t.deepEqual(sink.lines, ['ok', 'next'], JSON.stringify(chunks));
    t.deepEqual(sink.long, ['xxxx']);
  }
});

test('a line exactly at the limit passes; one byte more does not', (t) => {
  t.deepEqual(split(['0123456789\n'], 10).lines, ['0123456789']);
  t.deepEqual(split(['01234', '56789\n'], 10).lines, ['0123456789']);
  t.deepEqual(split(['01234', '567890\n'], 10).long.length, 1);
});

test('memory stays bounded: the carry never holds more than the limit plus the head', (t) => {
  const sink = new Collect();
  const splitter = new LineSplitter(1_024, 16, sink);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let i = 0; i < 200; i++) splitter.push(chunk); // 12.5 MiB without a newline
  splitter.push(Buffer.from('\nshort\n'));
  splitter.end();
  t.deepEqual(sink.lines, ['short']);
  t.is(sink.long.length, 1);
  const carry = (splitter as unknown as { carry: Buffer | null }).carry;
  t.true(carry === null || carry.length <= 1_024 + 16);
});
