/**
 * The Worker's pieces in Node (they use only web-standard APIs): the verdict set against the
 * stream protocol, the shipper's bounds and retries against a scripted ingest, the subjects
 * against core's clientSubjects, and the configuration's validation.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EDGE_HEADERS, clientSubjects } from '@botsieve/core';
import { parseWorkerConfig } from '../src/config.js';
import { EventShipper } from '../src/shipper.js';
import { edgeSubjects, isPopulationSubject } from '../src/subjects.js';
import { VerdictSet } from '../src/verdict-set.js';
import type { LogpushRecord } from '../src/record.js';
import { verdict } from './peers.js';

const NOW = 1_800_000_000_000;
const line = (value: unknown): string => JSON.stringify(value);

test('edge subjects are the decision path\'s subjects, canonical IPv4, IPv6 and mapped forms included', (t) => {
  const clients = [
    { ip: '203.0.113.9', asn: 64500, ja4: 't13d', user_agent: 'curl/8' },
    { ip: '2001:DB8:0:0:0:0:0:1', asn: null, ja4: null, user_agent: '' },
    { ip: '2001:db8:0:0:1::', asn: 0, ja4: '', user_agent: 'x' },
    { ip: '::ffff:192.0.2.1', asn: 7, ja4: null, user_agent: 'UA' },
    { ip: '::ffff:c000:0201', asn: 7, ja4: null, user_agent: 'UA' },
    { ip: '010.0.0.1', asn: 1, ja4: 'j', user_agent: 'u' },
    { ip: 'fe80::1%eth0', asn: 1, ja4: null, user_agent: '' },
  ];
  for (const client of clients) t.deepEqual(edgeSubjects(client), clientSubjects(client), client.ip);
  t.deepEqual(edgeSubjects(clients[1] as never).slice(0, 3), ['ipua:2001:db8::1 ', 'ip:2001:db8::1', 'prefix:2001:db8::/64'], 'the address with no user agent, then the address');
  t.deepEqual(edgeSubjects(clients[4] as never)[0], 'ipua:192.0.2.1 UA', 'the user agent on the canonical address');
  t.false(edgeSubjects(clients[5] as never).some((subject) => subject.startsWith('ipua:')), 'an unparseable address gives no ipua: subject');
  t.false(isPopulationSubject('ipua:192.0.2.1 UA'), 'one user agent on one address is one client, like ip:');
  t.true(isPopulationSubject('ua:UA'));
});

test('verdict set: a snapshot is swapped in at synced; a response cut before it leaves what was held', (t) => {
  const set = new VerdictSet(100, () => NOW);
  const block = verdict('ip:192.0.2.1', 'block', 60_000, NOW);
  t.true(set.applyLine(line({ type: 'snapshot', epoch: 'e1', version: 5, count: 1 })));
  set.applyLine(line({ type: 'upsert', version: 5, verdict: block }));
  t.is(set.match(['ip:192.0.2.1'], () => false), null, 'staged, not yet enforced');
  set.applyLine(line({ type: 'synced', epoch: 'e1', version: 5 }));
  set.endResponse();
  t.like(set.match(['ip:192.0.2.1'], () => false), { action: 'block', expires_at: NOW + 60_000 });
  t.is(set.token, 'e1.5');

  // A new epoch's snapshot, cut before synced: the old set and token stay.
  set.applyLine(line({ type: 'snapshot', epoch: 'e2', version: 1, count: 0 }));
  set.endResponse();
  t.is(set.token, 'e1.5');
  t.truthy(set.match(['ip:192.0.2.1'], () => false));
  // A complete empty snapshot of another epoch replaces everything.
  set.applyLine(line({ type: 'snapshot', epoch: 'e2', version: 1, count: 0 }));
  set.applyLine(line({ type: 'synced', epoch: 'e2', version: 1 }));
  t.is(set.token, 'e2.1');
  t.is(set.size, 0);
});

test('verdict set: resumed changes apply strongest-wins, removes and the token advance; log verdicts and junk are ignored', (t) => {
  const set = new VerdictSet(100, () => NOW);
  set.applyLine(line({ type: 'snapshot', epoch: 'e', version: 0, count: 0 }));
  set.applyLine(line({ type: 'synced', epoch: 'e', version: 0 }));
  set.applyLine(line({ type: 'resume', epoch: 'e', version: 0 }));
  set.applyLine(line({ type: 'upsert', version: 1, verdict: verdict('asn:1', 'block', 10_000, NOW) }));
  set.applyLine(line({ type: 'upsert', version: 2, verdict: verdict('asn:1', 'challenge', 99_000, NOW) }));
  t.like(set.match(['asn:1'], () => false), { action: 'block' }, 'a weaker verdict never replaces a stronger active one');
  set.applyLine(line({ type: 'upsert', version: 3, verdict: verdict('asn:1', 'block', 20_000, NOW) }));
  t.like(set.match(['asn:1'], () => false), { expires_at: NOW + 20_000 }, 'at equal strength the later expiry wins');
  set.applyLine(line({ type: 'upsert', version: 4, verdict: verdict('asn:2', 'log', 20_000, NOW) }));
  set.applyLine(line({ type: 'upsert', version: 5, verdict: verdict('asn:3', 'block', 1_000, NOW - 5_000) }));
  t.is(set.size, 1, 'log and already-expired verdicts are not held');
  set.applyLine(line({ type: 'remove', version: 6, subject: 'asn:1' }));
  t.is(set.size, 0);
  set.applyLine(line({ type: 'heartbeat', epoch: 'e', version: 7 }));
  t.is(set.token, 'e.7');
  t.false(set.applyLine('{"type":"upsert","verdict":{"subject":1}}'));
  t.false(set.applyLine('not json'));
  t.is(set.stats().malformed, 2);
});

test('verdict set: the strongest subject wins, exempt subjects are skipped, expiry drops, the bound drops and counts', (t) => {
  let now = NOW;
  const set = new VerdictSet(2, () => now);
  set.applyLine(line({ type: 'snapshot', epoch: 'e', version: 3, count: 3 }));
  set.applyLine(line({ type: 'upsert', version: 3, verdict: verdict('ip:192.0.2.1', 'challenge', 10_000, NOW) }));
  set.applyLine(line({ type: 'upsert', version: 3, verdict: verdict('asn:9', 'block', 5_000, NOW) }));
  set.applyLine(line({ type: 'upsert', version: 3, verdict: verdict('ua:x', 'block', 5_000, NOW) }));
  set.applyLine(line({ type: 'synced', epoch: 'e', version: 3 }));
  t.like(set.stats(), { size: 2, dropped: 1 });
  t.like(set.match(['ip:192.0.2.1', 'asn:9'], () => false), { subject: 'asn:9', action: 'block' });
  t.like(set.match(['ip:192.0.2.1', 'asn:9'], (subject) => subject.startsWith('asn:')), { subject: 'ip:192.0.2.1', action: 'challenge' });
  now = NOW + 5_000;
  t.like(set.match(['ip:192.0.2.1', 'asn:9'], () => false), { subject: 'ip:192.0.2.1' }, 'asn:9 expired at decided_at + ttl_ms');
  t.is(set.size, 1);
});

function record(index: number): LogpushRecord {
  return { RayID: `ray${index}`, EdgeStartTimestamp: NOW, ClientIP: '192.0.2.1', ClientRequestHost: 'h', ClientRequestMethod: 'GET', ClientRequestPath: '/', ClientRequestURI: '/', EdgeResponseStatus: 200 };
}

test('shipper: full buffer drops and counts; a 503 batch is kept and sent again; a 400 batch is dropped', async (t) => {
  const statuses = [503, 200, 400];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      t.is(req.headers['x-token'], 'Bearer s');
      bodies.push(Buffer.concat(parts).toString('utf8'));
      res.writeHead(statuses.shift() ?? 500).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  const pending: Promise<unknown>[] = [];
  const waitUntil = (promise: Promise<unknown>): void => void pending.push(promise);
  const settle = async (): Promise<void> => {
    while (pending.length > 0) await pending.shift();
  };
  // The 503 round trip must end before the batch timer fires, or the timer finds the buffer empty
  // and sends nothing: with 300 ms it did not, once, at a load average of 12 on 2 cores.
  const shipper = new EventShipper({ url, header: 'x-token', token: 'Bearer s', batch_max_records: 2, batch_max_wait_ms: 1_000, buffer_max_records: 2, log: () => {} });

  shipper.add(record(1), waitUntil); // starts the batch's timer
  shipper.add(record(2), waitUntil); // a full batch: sent at once, answered 503
  const timer = pending[0] as Promise<unknown>;
  await pending[1];
  t.like(shipper.stats(), { buffered: 2, shipped: 0, failed_batches: 1, dropped: 0 }, 'kept for the next send');
  shipper.add(record(3), waitUntil);
  t.like(shipper.stats(), { buffered: 2, dropped: 1 }, 'the buffer was full');
  await timer; // sends [1, 2] again: 200
  t.like(shipper.stats(), { buffered: 0, shipped: 2, dropped: 1, failed_batches: 1 });
  shipper.add(record(4), waitUntil);
  shipper.add(record(5), waitUntil); // a full batch, answered 400: dropped, not kept
  await settle();
  t.like(shipper.stats(), { buffered: 0, shipped: 2, dropped: 3, failed_batches: 2 });
  t.is(bodies.length, 3);
  t.is(bodies[0], bodies[1], 'the same batch again');
  t.deepEqual(bodies[1]?.trimEnd().split('\n').map((text) => (JSON.parse(text) as LogpushRecord).RayID), ['ray1', 'ray2']);
  t.true(bodies.every((body) => body.endsWith('\n')), 'NDJSON');
});

test('configuration: defaults, and every bad value refused with ERR_EDGE_CONFIG', (t) => {
  const config = parseWorkerConfig({ INGEST_URL: 'https://ingest.example/events', ENFORCE: 'on', DECISIONS_URL: 'https://decide.example/' });
  t.like(config.ingest, { header: 'authorization', token: null, batch_max_records: 200, batch_max_wait_ms: 2_000, buffer_max_records: 2_000 });
  t.like(config.enforce, { decisions_url: 'https://decide.example', refresh_ms: 10_000, wait_for_first_refresh: false, challenge_mode: 'forward' });
  t.is(parseWorkerConfig({}).enforce, null);
  // REFRESH_S takes fractions (the edge loop test runs 0.25), in ms with millisecond precision.
  for (const [REFRESH_S, refresh_ms] of [['0.25', 250], ['0.1', 100], ['1.5', 1_500], ['3600', 3_600_000], [2, 2_000]] as const) {
    t.is(parseWorkerConfig({ ENFORCE: 'on', DECISIONS_URL: 'https://d', REFRESH_S }).enforce?.refresh_ms, refresh_ms, String(REFRESH_S));
  }
  t.is(parseWorkerConfig({}).edge_token, null);
  t.is(parseWorkerConfig({ EDGE_TOKEN: 'a-long-shared-secret-0123' }).edge_token, 'a-long-shared-secret-0123');
  const short = t.throws(() => parseWorkerConfig({ EDGE_TOKEN: 'too-short' }), { code: 'ERR_EDGE_CONFIG' });
  t.false(short?.message.includes('too-short'), 'a secret is never echoed');
  for (const env of [{ EDGE_TOKEN: 'a long shared secret 0123' }, { EDGE_TOKEN: 'a-long-shared-secret\n0123' }, { ENFORCE: 'on' }, { ENFORCE: '1' }, { ORIGIN: 'ftp://x' }, { INGEST_URL: 'x', }, { INGEST_URL: 'https://i/events', BATCH_MAX_RECORDS: '0' }, { INGEST_URL: 'https://i/events', BATCH_MAX_WAIT_MS: '10001' }, { INGEST_URL: 'https://i/events', BATCH_MAX_RECORDS: '500', BUFFER_MAX_RECORDS: '100' }, { ENFORCE: 'on', DECISIONS_URL: 'https://d', CHALLENGE_MODE: 'managed' }, ...['0.05', '3601', '1.2345', '0x10', '1e1', '-1', 'Infinity', 'ten'].map((REFRESH_S) => ({ ENFORCE: 'on', DECISIONS_URL: 'https://d', REFRESH_S }))]) {
    t.throws(() => parseWorkerConfig(env), { code: 'ERR_EDGE_CONFIG' }, JSON.stringify(env));
  }
});

test('the README header table lists every header of the edge contract, and no other', async (t) => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Headers to the origin'), readme.indexOf('## Metadata to ingest'));
  const listed = [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((match) => match[1] as string);
  t.deepEqual(listed.sort(), Object.values(EDGE_HEADERS).sort());
});
