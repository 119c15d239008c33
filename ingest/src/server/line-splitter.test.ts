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
  const sink = new Collect();
  const splitter = new LineSplitter(maxLineBytes, headBytes, sink);
  for (const chunk of chunks) splitter.push(Buffer.from(chunk));
  splitter.end();
  return sink;
}

test('lines within and across chunks, CRLF, last line without newline', (t) => {
  t.deepEqual(split(['a\nbb\r\nc', 'cc\n', '', 'd', 'd', '\nlast']).lines, ['a', 'bb', 'ccc', 'dd', 'last']);
  t.deepEqual(split(['\n\n']).lines, ['', '']);
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
