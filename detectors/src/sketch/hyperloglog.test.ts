import test from 'ava';
import { hash32, hashNumber } from './hash.js';
import { HyperLogLog } from './hyperloglog.js';

/** A sketch of `visitor-<from>` … `visitor-<to − 1>`. */
function sketch(precision: number, from: number, to: number, seed = 0): HyperLogLog {
  const hll = new HyperLogLog(precision);
  for (let i = from; i < to; i++) hll.add(hash32(`visitor-${i}`, seed));
  return hll;
}

const mode = (hll: HyperLogLog) => hll.toJSON()[0];

test('precision: default 8, integers 4..16 only', (t) => {
  t.is(new HyperLogLog().precision, 8);
  t.is(new HyperLogLog(4).precision, 4);
  t.is(new HyperLogLog(16).precision, 16);
  for (const bad of [3, 17, 8.5, Number.NaN]) t.throws(() => new HyperLogLog(bad), { instanceOf: RangeError }, `precision ${bad}`);
});

test('sparse mode counts distinct hashes exactly, up to 2^p / 4 of them', (t) => {
  const hll = new HyperLogLog(8);
  t.is(hll.estimate(), 0);
  for (let i = 0; i < 64; i++) {
    hll.add(hashNumber(i));
    hll.add(hashNumber(i)); // duplicates never count
    hll.add(hashNumber(i >> 1));
    t.is(hll.estimate(), i + 1);
  }
  t.is(mode(hll), 's', '64 = 256 / 4 hashes still fit');
  hll.add(hashNumber(64));
  t.is(mode(hll), 'd', 'the 65th switches to registers');
  t.true(Math.abs(hll.estimate() - 65) < 65 * 0.2);
  const large = sketch(12, 0, 1_000);
  t.is(mode(large), 's');
  t.is(large.estimate(), 1_000);
});

test('a hash counts once whether passed as uint32 or int32', (t) => {
  const hll = new HyperLogLog();
  hll.add(0xffffffff);
  hll.add(-1);
  hll.add(0x80000000);
  hll.add(-0x80000000);
  t.is(hll.estimate(), 2);
  for (let i = 0; i < 10; i++) hll.add(hashNumber(i)); // past the inline slots: same rule in the sorted array
  hll.add(-1);
  t.is(hll.estimate(), 12);
});

test('dense estimates are within 3 standard errors of the true count', (t) => {
  for (const precision of [8, 12]) {
    const standardError = 1.04 / Math.sqrt(2 ** precision);
    for (const n of [1_000, 10_000, 100_000]) {
      for (const seed of [0, 1, 2]) {
        const estimate = sketch(precision, 0, n, seed).estimate();
        const error = Math.abs(estimate / n - 1);
        t.true(error <= 3 * standardError, `p=${precision} n=${n} seed=${seed}: ${estimate.toFixed(0)} (${(error * 100).toFixed(2)} %)`);
      }
    }
  }
});

test('no bias where classic HyperLogLog switches from linear counting (n ≈ 2.5 · 2^p)', (t) => {
  // The classic estimator is biased by +1.5 standard errors at p = 12, n = 2.5 · 4096 (and
  // +5.8 at p = 16): the mean of 30 independent runs would sit ~8 of its own standard errors
  // above the truth. Allow 3.
  const precision = 12;
  const n = 10_240;
  const runs = 30;
  let sum = 0;
  for (let seed = 0; seed < runs; seed++) sum += sketch(precision, 0, n, seed).estimate() / n - 1;
  const meanError = sum / runs;
  const standardError = 1.04 / Math.sqrt(2 ** precision);
  t.true(Math.abs(meanError) < (3 * standardError) / Math.sqrt(runs), `mean relative error ${(meanError * 100).toFixed(2)} %`);
});

test('accurate up to billions of distinct values, where registers saturate', (t) => {
  // 1e9 adds would take minutes, so the registers are drawn from the model the estimator
  // assumes: with λ = n / m hashes per register and 32 − p rank bits (q), P(register <= r) is
  // exp(−λ · 2^−r) for r <= q, and the rank q + 1 means "all rank bits zero".
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  for (const precision of [8, 12]) {
    const m = 2 ** precision;
    const q = 32 - precision;
    const standardError = 1.04 / Math.sqrt(m);
    for (const n of [1e6, 1e8, 1e9, 3e9]) {
      const registers = new Uint8Array(m);
      for (let j = 0; j < m; j++) {
        const u = uniform();
        let r = 0;
        while (r <= q && Math.exp((-n / m) * 2 ** -r) < u) r++;
        registers[j] = r;
      }
      const estimate = HyperLogLog.fromJSON(`d${precision}:${Buffer.from(registers).toString('base64')}`).estimate();
      const error = Math.abs(estimate / n - 1);
      t.true(error <= 3 * standardError, `p=${precision} n=${n}: ${estimate.toExponential(3)} (${(error * 100).toFixed(2)} %)`);
    }
  }
});

test('merge equals the sketch of the union, in every combination of modes', (t) => {
  const cases: [string, number, [number, number], [number, number]][] = [
    ['inline + inline', 8, [0, 2], [1, 3]],
    ['inline + sparse', 8, [0, 2], [1, 30]],
    ['sparse + inline', 8, [0, 30], [29, 31]],
    ['sparse + sparse, still sparse', 12, [0, 300], [200, 500]],
    ['sparse + sparse, overflowing into dense', 8, [0, 40], [30, 80]],
    ['sparse + dense', 8, [0, 50], [40, 2_000]],
    ['dense + sparse', 8, [0, 2_000], [1_990, 2_030]],
    ['dense + dense', 12, [0, 30_000], [20_000, 50_000]],
    ['empty + dense', 8, [0, 0], [0, 500]],
  ];
  for (const [name, precision, [aFrom, aTo], [bFrom, bTo]] of cases) {
    const union = sketch(precision, Math.min(aFrom, bFrom), Math.max(aTo, bTo));
    const a = sketch(precision, aFrom, aTo);
    const b = sketch(precision, bFrom, bTo);
    const bBefore = b.toJSON();
    const ab = a.clone();
    ab.merge(b);
    const ba = b.clone();
    ba.merge(a);
    t.is(ab.toJSON(), union.toJSON(), `${name}: a ∪ b`);
    t.is(ba.toJSON(), union.toJSON(), `${name}: b ∪ a`);
    t.is(ab.estimate(), union.estimate(), name);
    t.is(b.toJSON(), bBefore, `${name}: the merged-in sketch is unchanged`);
  }
});

test('merge rejects another precision and is a no-op with itself', (t) => {
  const a = sketch(8, 0, 500);
  t.throws(() => a.merge(new HyperLogLog(9)), { instanceOf: RangeError });
  const before = a.toJSON();
  a.merge(a);
  t.is(a.toJSON(), before);
});

test('JSON round trip in both modes, and the copy keeps working like the original', (t) => {
  t.is(new HyperLogLog().toJSON(), 's8:');
  const one = new HyperLogLog();
  one.add(1);
  t.is(one.toJSON(), 's8:AQAAAA==', 'uint32 little-endian');
  for (const [precision, n] of [[8, 0], [8, 3], [8, 40], [12, 900], [8, 5_000], [12, 50_000]] as const) {
    const original = sketch(precision, 0, n);
    const text = original.toJSON();
    t.regex(text, new RegExp(`^[sd]${precision}:`));
    const copy = HyperLogLog.fromJSON(text);
    t.is(copy.precision, precision);
    t.is(copy.toJSON(), text);
    t.is(copy.estimate(), original.estimate());
    for (let i = n; i < n + 100; i++) {
      original.add(hash32(`visitor-${i}`));
      copy.add(hash32(`visitor-${i}`));
    }
    t.is(copy.toJSON(), original.toJSON(), `p=${precision} n=${n}`);
  }
  t.is(JSON.stringify({ ips: one }), '{"ips":"s8:AQAAAA=="}');
});

test('fromJSON rejects anything toJSON cannot produce', (t) => {
  const registers = (values: number[]) => Buffer.from(values).toString('base64');
  const hashes = (values: number[]) => {
    const buffer = Buffer.alloc(values.length * 4);
    values.forEach((value, i) => buffer.writeUInt32LE(value, i * 4));
    return buffer.toString('base64');
  };
  const garbage: unknown[] = [
    '',
    'garbage',
    's8',
    'x8:',
    's3:',
    's17:',
    's08:',
    's8: ',
    's8:AQAA', // 3 bytes: not whole uint32 values
    's8:AQAAAA', // missing padding
    's8:AQAAAB==', // non-canonical padding bits
    's8:!!!!',
    `s8:${hashes([2, 1])}`, // not ascending
    `s8:${hashes([1, 1])}`, // duplicate
    `s8:${hashes(Array.from({ length: 65 }, (_, i) => i))}`, // above 2^p / 4
    `d8:${registers(new Array(255).fill(0))}`, // one register short
    `d8:${registers([26, ...new Array(255).fill(0)])}`, // rank above 33 − p
    null,
    42,
  ];
  for (const text of garbage) {
    t.throws(() => HyperLogLog.fromJSON(text as string), { instanceOf: RangeError }, JSON.stringify(text));
  }
  t.notThrows(() => HyperLogLog.fromJSON(`d8:${registers([25, ...new Array(255).fill(0)])}`), 'the maximum rank itself is valid');
});

test('clone is independent; clear empties and releases the registers', (t) => {
  const a = sketch(8, 0, 1_000);
  const copy = a.clone();
  copy.add(hash32('someone else'));
  copy.merge(sketch(8, 5_000, 9_000));
  t.is(a.toJSON(), sketch(8, 0, 1_000).toJSON());
  const sparse = sketch(8, 0, 20);
  const sparseCopy = sparse.clone();
  sparseCopy.add(hash32('x'));
  t.is(sparse.estimate(), 20);
  t.is(sparseCopy.estimate(), 21);
  const bytesDense = a.bytes();
  a.clear();
  t.is(a.estimate(), 0);
  t.is(a.toJSON(), 's8:');
  t.true(a.bytes() < bytesDense - 256);
});

test('memory: tiny sketches hold no array; the bound is 2^p bytes of data in every mode', (t) => {
  const empty = new HyperLogLog(12);
  const three = sketch(12, 0, 3);
  t.is(empty.bytes(), three.bytes(), 'up to 3 values live in the object itself');
  t.true(three.bytes() <= 100);
  for (const precision of [4, 8, 12]) {
    const limit = 2 ** precision + 300;
    for (const n of [4, 2 ** precision / 4, 2 ** precision / 4 + 1, 10 * 2 ** precision]) {
      const hll = sketch(precision, 0, n);
      t.true(hll.bytes() <= limit, `p=${precision} n=${n}: ${hll.bytes()} bytes`);
    }
  }
  const merged = sketch(12, 0, 1_000);
  merged.merge(sketch(12, 10, 1_010)); // 1,010 distinct: still sparse, the bound still holds
  t.is(merged.estimate(), 1_010);
  t.true(merged.bytes() <= 2 ** 12 + 300, `merged: ${merged.bytes()} bytes`);
});
