import test from 'ava';
import { BotsieveError, PartialWriteError } from '@botsieve/core';
import { redisClusterConfigSchema } from './config.js';
import { clusterOptions, parseNodeAddress } from './cluster-client.js';
import { decodeStoredVerdict, encodeStoredVerdict, verdictKey } from './verdict-record.js';
import { verdict } from './test-support.js';
import { batchFailure, rejectionReason, settleWithin } from './write-outcome.js';

const replyError = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

test('no failures: nothing to throw', (t) => {
  t.is(batchFailure(5, []), undefined);
});

test('failed commands map to a PartialWriteError holding exactly those verdicts', (t) => {
  const error = batchFailure(5, [
    { item: 'b', error: new Error('Command timed out') },
    { item: 'd', error: replyError('CLUSTERDOWN The cluster is down') },
    { item: 'e', error: replyError('WRONGTYPE Operation against a key holding the wrong kind of value') },
  ]);
  t.true(error instanceof PartialWriteError);
  const partial = error as PartialWriteError<string>;
  t.is(partial.code, 'ERR_SINK_PARTIAL');
  t.true(partial.retryable);
  t.deepEqual(partial.retry, ['b', 'd']);
  t.deepEqual(partial.rejected.map(({ item, reason }) => [item, reason]), [['e', 'wrong_type']]);
  t.regex(partial.message, /Command timed out/);
});

test('every verdict failing retryably fails the batch as a whole with ERR_SINK_UNAVAILABLE', (t) => {
  const cause = new Error('Connection is closed.');
  const error = batchFailure(2, [{ item: 'a', error: cause }, { item: 'b', error: replyError('MOVED 3999 127.0.0.1:6381') }]);
  t.false(error instanceof PartialWriteError);
  t.true(error instanceof BotsieveError);
  t.like(error, { code: 'ERR_SINK_UNAVAILABLE', retryable: true, cause });
});

test('only rejected verdicts: a non-retryable PartialWriteError', (t) => {
  const error = batchFailure(3, [], [{ item: 'x', reason: 'invalid', detail: 'unknown action' }]) as PartialWriteError<string>;
  t.false(error.retryable);
  t.deepEqual(error.retry, []);
  t.is(error.rejected.length, 1);
});

test('which Redis errors are retryable', (t) => {
  for (const message of ['Connection is closed.', 'Command timed out', 'Too many Cluster redirections. Last error: Error: Connection is closed.', 'TRYAGAIN Multiple keys request during rehashing of slot', 'CLUSTERDOWN Hash slot not served', 'LOADING Redis is loading the dataset in memory', 'READONLY You can\'t write against a read only replica.', 'OOM command not allowed', 'NOPERM this user has no permissions', 'NOSCRIPT No matching script']) {
    t.is(rejectionReason(replyError(message)), undefined, message);
  }
  t.is(rejectionReason(replyError('WRONGTYPE Operation against a key holding the wrong kind of value script: abc')), 'wrong_type');
});

test('stored value round trip; damaged or foreign values are not verdicts', (t) => {
  const item = verdict('ua:Mozilla/5.0 (X11; Linux x86_64) a|b', 'challenge', 1_700_000_000_000, 60_000);
  const encoded = encodeStoredVerdict(item, 1_700_000_060_000);
  t.true(encoded.startsWith('2|1700000060000|{'));
  t.is(encoded, `2|1700000060000|${JSON.stringify(item)}`, 'the stored format is unchanged');
  t.deepEqual(decodeStoredVerdict(encoded), { verdict: item, rank: 2, expires_at: 1_700_000_060_000 });
  for (const value of ['', 'x', '2|x|{}', '2|1|not json', '3|1|{"action":"log"}', 'null']) t.is(decodeStoredVerdict(value), undefined, value);
  // The JSON part is checked by core's verdict codec, not only for its action.
  t.is(decodeStoredVerdict(`2|1|${JSON.stringify({ ...item, score: 0 })}`), undefined, 'score outside 1–99');
  t.is(decodeStoredVerdict('2|1|{"action":"challenge"}'), undefined, 'an action alone is not a verdict');
  t.is(verdictKey('botsieve:', 'prefix:2001:db8::/64'), 'botsieve:v:{prefix:2001:db8::/64}');
});

test('config: defaults, validation and the client options it yields', (t) => {
  const config = redisClusterConfigSchema.parse({});
  t.deepEqual(config.nodes, []);
  t.is(config.key_prefix, 'botsieve:');
  t.is(config.max_redirections, 64);
  t.throws(() => redisClusterConfigSchema.parse({ nodes: ['localhost'] }));
  t.throws(() => redisClusterConfigSchema.parse({ key_prefix: 'a{b}' }));
  t.throws(() => redisClusterConfigSchema.parse({ unknown: 1 }));
  t.deepEqual(parseNodeAddress('[::1]:7000'), { host: '::1', port: 7000 });
  t.deepEqual(parseNodeAddress('redis-0.internal:6379'), { host: 'redis-0.internal', port: 6379 });
  const options = clusterOptions(redisClusterConfigSchema.parse({ nodes: ['127.0.0.1:7000'], password: 'secret', tls: true, read_from_replicas: true }), 'read');
  t.like(options, { enableAutoPipelining: true, maxRedirections: 64, scaleReads: 'slave', redisOptions: { password: 'secret', tls: {}, commandTimeout: 5_000 } });
  t.is(clusterOptions(redisClusterConfigSchema.parse({ read_from_replicas: true }), 'write').scaleReads, 'master', 'writes always go to masters');
});

test('settleWithin: failures by item, and a command with no answer by the deadline counts as failed', async (t) => {
  const never = new Promise<number>(() => {});
  const failures = await settleWithin(['a', 'b', 'c', 'd'], [Promise.resolve(1), Promise.reject(new Error('MOVED 1 x:1')), never, Promise.resolve(0)], 50);
  t.deepEqual(failures.map(({ item, error }) => [item, (error as Error).message]).sort(), [['b', 'MOVED 1 x:1'], ['c', 'no reply within 50 ms (cluster unreachable?)']]);
  t.deepEqual(await settleWithin([], [], 10), []);
  const started = Date.now();
  t.deepEqual(await settleWithin(['a'], [Promise.resolve(1)], 10_000), [], 'resolves as soon as everything settled');
  t.true(Date.now() - started < 1_000);
});
