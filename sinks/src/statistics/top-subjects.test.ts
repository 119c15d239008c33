import test from 'ava';
import { TopSubjects } from './top-subjects.js';

test('space-saving finds the heavy hitters in a spray, never underestimating and within N / capacity over', (t) => {
  const capacity = 50;
  const sketch = new TopSubjects(capacity);
  const truth = new Map<string, number>();
  const add = (subject: string) => {
    sketch.add(subject, 0);
    truth.set(subject, (truth.get(subject) ?? 0) + 1);
  };
  // 20,000 one-off IPs with three heavy hitters above N / capacity (the guarantee) woven in.
  for (let i = 0; i < 20_000; i += 1) {
    add(`ip:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    if (i % 5 === 0) add('ip:a');
    if (i % 10 === 0) add('ip:b');
    if (i % 20 === 0) add('ip:c');
  }
  const total = [...truth.values()].reduce((sum, count) => sum + count, 0);
  const top = sketch.top(3);
  t.deepEqual(top.map((s) => s.subject), ['ip:a', 'ip:b', 'ip:c']);
  for (const { subject, requests } of top) {
    const real = truth.get(subject) ?? 0;
    t.true(requests >= real, `${subject}: ${requests} ≥ ${real}`);
    t.true(requests - real <= total / capacity, `${subject}: overestimate ${requests - real} ≤ ${total / capacity}`);
  }
  t.is(sketch.size(), capacity);
});

test('exact while it has room; ties ordered by subject; the strongest action of a subject is kept', (t) => {
  const sketch = new TopSubjects(10);
  for (const [subject, rank] of [['ip:b', 0], ['ip:a', 3], ['ip:b', 2], ['ip:a', 0], ['ip:c', 1]] as const) sketch.add(subject, rank);
  t.deepEqual(sketch.top(10), [
    { subject: 'ip:a', requests: 2, rank: 3 },
    { subject: 'ip:b', requests: 2, rank: 2 },
    { subject: 'ip:c', requests: 1, rank: 1 },
  ]);
  t.is(sketch.top(1).length, 1);
});
