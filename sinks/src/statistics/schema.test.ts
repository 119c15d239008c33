import test from 'ava';
import { compileRowValidator, loadTableDefinition, tableValidator, type FieldSchema } from './schema.js';
import { verdictRow } from './verdict-row.js';
import { T0, verdict } from './test-support.js';

const fields: FieldSchema[] = [
  { name: 'id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'count', type: 'INTEGER', mode: 'REQUIRED' },
  { name: 'ratio', type: 'FLOAT' },
  { name: 'ok', type: 'BOOLEAN' },
  { name: 'at', type: 'TIMESTAMP', mode: 'REQUIRED' },
  {
    name: 'items', type: 'RECORD', mode: 'REPEATED', fields: [
      { name: 'name', type: 'STRING', mode: 'REQUIRED' },
      { name: 'values', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'value', type: 'FLOAT', mode: 'REQUIRED' }] },
    ],
  },
];
const validate = compileRowValidator(fields);
const good = () => ({ id: 'a', count: 3, ratio: 0.5, ok: true, at: '2024-05-01T12:00:00.000Z', items: [{ name: 'x', values: [{ value: 1 }, { value: 2.5 }] }] });

test('a good row passes, with nullable fields null or missing and repeated fields empty or missing', (t) => {
  t.is(validate(good()), undefined);
  t.is(validate({ id: 'a', count: 0, at: '2024-05-01 12:00:00 UTC', ratio: null, ok: null }), undefined);
  t.is(validate({ ...good(), items: [] }), undefined);
});

test('INTEGER takes a safe integer or a digit string within int64', (t) => {
  t.is(validate({ ...good(), count: '9223372036854775807' }), undefined);
  t.is(validate({ ...good(), count: '-42' }), undefined);
  t.is(validate({ ...good(), count: 1.5 }), 'count: expected INTEGER');
  t.is(validate({ ...good(), count: '9223372036854775808' }), 'count: expected INTEGER');
  t.is(validate({ ...good(), count: '12a' }), 'count: expected INTEGER');
  t.is(validate({ ...good(), count: 2 ** 60 }), 'count: expected INTEGER');
});

test('each kind of bad field is reported with its path', (t) => {
  t.is(validate({ ...good(), id: 7 }), 'id: expected STRING');
  t.is(validate({ ...good(), ratio: Number.NaN }), 'ratio: expected FLOAT');
  t.is(validate({ ...good(), ratio: 'abc' }), 'ratio: expected FLOAT');
  t.is(validate({ ...good(), ok: 'true' }), 'ok: expected BOOLEAN');
  t.is(validate({ ...good(), at: '2024-13-01T00:00:00Z' }), 'at: expected TIMESTAMP');
  t.is(validate({ ...good(), at: '2024-02-30T00:00:00Z' }), 'at: expected TIMESTAMP');
  t.is(validate({ ...good(), at: 'yesterday' }), 'at: expected TIMESTAMP');
  t.is(validate({ ...good(), id: undefined }), 'id: required');
  t.is(validate({ ...good(), id: null }), 'id: required');
  t.is(validate({ ...good(), extra: 1 }), 'extra: unknown field');
  t.is(validate({ ...good(), items: { name: 'x' } }), 'items: expected REPEATED RECORD');
  t.is(validate({ ...good(), items: [null] }), 'items[0]: null in REPEATED field');
  t.is(validate({ ...good(), items: ['x'] }), 'items[0]: expected RECORD');
  t.is(validate({ ...good(), items: [{ name: 'x' }, { name: 'y', values: [{ value: 1 }, { value: 'z' }] }] }), 'items[1].values[1].value: expected FLOAT');
  t.is(validate({ ...good(), items: [{ name: 'x', colour: 'red' }] }), 'items[0].colour: unknown field');
  t.is(validate([good()]), '(row): expected RECORD');
});

test('timestamps: epoch numbers and ISO strings with offsets pass', (t) => {
  t.is(validate({ ...good(), at: 1_714_564_800 }), undefined);
  t.is(validate({ ...good(), at: '2024-05-01T12:00:00+02:00' }), undefined);
  t.is(validate({ ...good(), at: '2024-05-01' }), undefined);
  t.is(validate({ ...good(), at: '2024-05-01T25:00:00Z' }), 'at: expected TIMESTAMP');
});

test('a schema it does not understand fails at compile time, not per row', (t) => {
  t.throws(() => compileRowValidator([{ name: 'g', type: 'GEOGRAPHY' as 'STRING' }]), { message: /unsupported type GEOGRAPHY/ });
  t.throws(() => compileRowValidator([{ name: 'r', type: 'RECORD' }]), { message: /has no fields/ });
  t.throws(() => compileRowValidator([{ name: 'a', type: 'STRING' }, { name: 'a', type: 'STRING' }]), { message: /declared twice/ });
});

test('the shipped schemas load, name their insert-id and partition fields, and accept a mapped verdict', (t) => {
  const verdicts = loadTableDefinition('verdicts');
  t.is(verdicts.insert_id_field, 'verdict_id');
  t.is(verdicts.partition_field, 'decided_at');
  const traffic = loadTableDefinition('traffic_1m');
  t.is(traffic.insert_id_field, 'row_id');
  t.is(traffic.partition_field, 'minute');
  t.is(tableValidator('verdicts'), tableValidator('verdicts'), 'compiled once and cached');
  t.is(tableValidator('verdicts')(verdictRow(verdict('ip:192.0.2.1', 'block', T0), 'europe-west1', T0)), undefined);
  t.throws(() => loadTableDefinition('nope'), { message: /not described/ });
});
