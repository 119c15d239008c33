import test from 'ava';
import { ArraySplitter } from './array-splitter.js';

function split(chunks: Buffer[], maxElementBytes = 1_024, headBytes = 8): { lines: string[]; long: string[]; broken: string | null } {
  const lines: string[] = [];
  const long: string[] = [];
  const splitter = new ArraySplitter(maxElementBytes, headBytes, {
    line: (buffer, start, end) => lines.push(buffer.toString('utf8', start, end).trim()),
    longLine: (head) => long.push(head.toString('utf8')),
  });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { lines, long, broken: splitter.broken };
}

const elements = ['{"a":"x,]}\\"{[","b":[1,{"c":[]}]}', '{"k":"a\\\\","l":"\\\\\\"]"}', '"s,t]"', '12.5', 'null', '[[1],[2]]', '{}'];

test('elements are delimited whatever the chunk boundaries (strings, escapes, nesting, scalars)', (t) => {
  for (const body of [`[${elements.join(',')}]`, ` \n[\n${elements.join(',\n')}\n]\n`, `[${elements.join(' , ')} ]`]) {
    const bytes = Buffer.from(body);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const result = split([bytes.subarray(0, cut), bytes.subarray(cut)]);
      t.is(result.broken, null, `cut ${cut}`);
      t.deepEqual(result.lines, elements, `cut ${cut}`);
    }
    // One byte at a time.
    t.deepEqual(split([...bytes].map((byte) => Buffer.from([byte]))).lines, elements);
  }
});

test('an empty array holds nothing', (t) => {
  t.deepEqual(split([Buffer.from('[ ]')]), { lines: [], long: [], broken: null });
});

test('an element over the limit is reported once with its head and skipped, in one chunk or across several', (t) => {
  const big = `{"ua":"${'A'.repeat(100)}"}`;
  const body = Buffer.from(`[{"a":1},${big},{"b":2}]`);
  for (const size of [1, 7, 50, body.length]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
    const result = split(chunks, 64, 8);
    t.deepEqual(result.lines, ['{"a":1}', '{"b":2}'], `chunk ${size}`);
    t.deepEqual(result.long, ['{"ua":"A'], `chunk ${size}`);
    t.is(result.broken, null);
  }
});

test('a broken array structure is reported', (t) => {
  t.regex(split([Buffer.from('{"a":1}')]).broken ?? '', /expected \[/);
  t.regex(split([Buffer.from('[{"a":1} {"b":2}]')]).broken ?? '', /expected , or \]/);
  t.regex(split([Buffer.from('[{"a":1},]')]).broken ?? '', /expected an element/);
  t.regex(split([Buffer.from('[{"a":1}] x')]).broken ?? '', /after the closing/);
  t.regex(split([Buffer.from('[{"a":1},{"b":')]).broken ?? '', /not closed \(1 elements/);
});
