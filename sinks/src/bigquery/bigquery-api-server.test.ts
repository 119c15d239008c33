import test from 'ava';
import { BigQuery } from '@google-cloud/bigquery';
import { BigQueryApiServer } from '@botsieve/testkit';
import { SCHEMA_DIRECTORY } from '../schemas/index.js';
import { anonymousAuthClient } from './anonymous-auth.js';

/** Talks to the server through the real client, as the sinks do, but with no validation of ours in between. */
async function setup(t: import('ava').ExecutionContext) {
  const server = await BigQueryApiServer.start({ schema_directory: SCHEMA_DIRECTORY });
  t.teardown(() => server.close());
  const client = new BigQuery({ projectId: 'p', apiEndpoint: server.url, retryOptions: { autoRetry: false, maxRetries: 0 }, authClient: anonymousAuthClient() });
  return { server, table: client.dataset('d').table('verdicts') };
}

const row = (id: string, overrides: Record<string, unknown> = {}) => ({
  insertId: id,
  json: { verdict_id: id, decided_at: '2024-05-01T12:00:00Z', expires_at: '2024-05-01T12:01:00Z', subject: 'ip:192.0.2.1', subject_kind: 'ip', action: 'block', score: 5, ttl_seconds: 60, detectors: [{ id: 'x', score: 5, evidence: [{ name: 'n', value: 1.5 }] }], inserted_at: '2024-05-01T12:00:01Z', ...overrides },
});

async function insertErrors(promise: Promise<unknown>): Promise<{ index: number; reasons: string[] }[]> {
  try {
    await promise;
    return [];
  } catch (error) {
    const response = (error as { response?: { insertErrors?: { index: number; errors: { reason: string }[] }[] } }).response;
    return (response?.insertErrors ?? []).map((e) => ({ index: e.index, reasons: e.errors.map((d) => d.reason) }));
  }
}

test('it validates every row itself: an invalid row fails, the others are stopped and nothing is stored', async (t) => {
  const { server, table } = await setup(t);
  const errors = await insertErrors(table.insert([row('a'), row('b', { score: 'high' }), row('c', { detectors: [{ id: 'x', score: 5, evidence: [{ name: 'n', value: 'z' }] }] })], { raw: true, partialRetries: 0 }));
  t.deepEqual(errors, [{ index: 0, reasons: ['stopped'] }, { index: 1, reasons: ['invalid'] }, { index: 2, reasons: ['invalid'] }]);
  t.is(server.rows('verdicts').length, 0);
  t.deepEqual(await insertErrors(table.insert([row('d', { unknown_column: 1 }), row('e', { subject: undefined })], { raw: true, partialRetries: 0, skipInvalidRows: true })), [{ index: 0, reasons: ['invalid'] }, { index: 1, reasons: ['invalid'] }]);
});

test('with skipInvalidRows the valid rows are stored; rows are de-duplicated by insertId, keeping the first', async (t) => {
  const { server, table } = await setup(t);
  await insertErrors(table.insert([row('a'), row('b', { action: 7 })], { raw: true, partialRetries: 0, skipInvalidRows: true }));
  await table.insert([row('a', { subject: 'ip:192.0.2.99' }), row('c')], { raw: true, partialRetries: 0 });
  t.deepEqual(server.rows('verdicts').map((r) => [r.verdict_id, r.subject]), [['a', 'ip:192.0.2.1'], ['c', 'ip:192.0.2.1']]);
  t.is(server.arrivalsOf('verdicts', 'a'), 2);
});

test('tables.get answers the schema; an unknown table is 404 notFound; requests are logged', async (t) => {
  const { server, table } = await setup(t);
  const [metadata] = await table.getMetadata();
  t.true(Array.isArray(metadata.schema.fields) && metadata.schema.fields.some((f: { name: string }) => f.name === 'verdict_id'));
  const error = await table.bigQuery.dataset('d').table('nope').getMetadata().catch((e: unknown) => e);
  t.like(error, { code: 404 });
  t.deepEqual(server.requests.map((r) => [r.method, r.table, r.status]), [['GET', 'verdicts', 200], ['GET', 'nope', 404]]);
});
