import test from 'ava';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadletterFile } from './deadletter-file.js';

test('dead letters are appended as NDJSON and survive a reopen', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'botsieve-dl-')), 'nested', 'deadletter.ndjson');
  const sink = new DeadletterFile({ path, max_file_bytes: 1_000_000 });
  await sink.connect();
  await sink.writeBatch([Buffer.from('{"reason":"invalid_json"}'), Buffer.from('{"reason":"invalid_ip"}')]);
  await sink.close();
  const again = new DeadletterFile({ path, max_file_bytes: 1_000_000 });
  await again.connect();
  await again.writeBatch([Buffer.from('{"reason":"missing_field"}')]);
  await again.close();
  const lines = (await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line).reason);
  t.deepEqual(lines, ['invalid_json', 'invalid_ip', 'missing_field']);
});

test('the file rotates when it passes its size limit', async (t) => {
  const path = join(await mkdtemp(join(tmpdir(), 'botsieve-dl-')), 'deadletter.ndjson');
  const sink = new DeadletterFile({ path, max_file_bytes: 64 });
  await sink.connect();
  await sink.writeBatch([Buffer.from('x'.repeat(50))]);
  await sink.writeBatch([Buffer.from('y'.repeat(50))]);
  await sink.close();
  t.is((await readFile(path, 'utf8')).trim(), 'y'.repeat(50));
  t.is((await stat(`${path}.1`)).size, 51);
});

test('writing before connect is a typed error', async (t) => {
  const sink = new DeadletterFile({ path: '/nonexistent/x', max_file_bytes: 10 });
  await t.throwsAsync(sink.writeBatch([Buffer.from('x')]), { code: 'ERR_SINK_CLOSED' });
});
