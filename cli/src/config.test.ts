import test from 'ava';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';

test('defaults give the embedded single-machine setup', (t) => {
  const config = loadConfig();
  t.is(config.bus.kind, 'embedded');
  t.is(config.ingest.ack, 'durable');
  t.is(config.log_level, 'info');
});

test('file < environment < flags, following the schema path', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-config-'));
  const file = join(dir, 'botsieve.json');
  await writeFile(file, JSON.stringify({ log_level: 'debug', ingest: { port: 9000, ack: 'enqueued' }, admin: { port: 9001 } }));
  const config = loadConfig({
    file,
    env: { BOTSIEVE_INGEST__PORT: '9100', BOTSIEVE_BUS__KAFKA__BROKERS: 'k1:9092,k2:9092', HOME: '/root' },
    flags: { ingest: { port: 9200 } },
  });
  t.is(config.log_level, 'debug');
  t.is(config.ingest.ack, 'enqueued');
  t.is(config.ingest.port, 9200);
  t.is(config.admin.port, 9001);
  t.is(config.bus.kafka.brokers, 'k1:9092,k2:9092');
});

test('unknown keys are rejected with their path', (t) => {
  const error = t.throws(() => loadConfig({ flags: { ingest: { max_body_byte: 10 } } }), { code: 'ERR_CONFIG_INVALID' });
  t.regex(error?.message ?? '', /ingest/);
});

test('invalid values are rejected before anything starts', (t) => {
  t.throws(() => loadConfig({ env: { BOTSIEVE_INGEST__ACK: 'sometimes' } }), { code: 'ERR_CONFIG_INVALID' });
  t.throws(() => loadConfig({ env: { BOTSIEVE_BUS__KIND: 'carrier-pigeon' } }), { code: 'ERR_CONFIG_INVALID' });
});

test('a config file that is not JSON is a clear error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'botsieve-config-'));
  const file = join(dir, 'broken.json');
  await writeFile(file, '{ not json');
  t.throws(() => loadConfig({ file }), { code: 'ERR_CONFIG_FILE' });
});

test('roles other than all need a shared bus: a clear usage error, before anything starts', async (t) => {
  const { main } = await import('./main.js');
  await t.throwsAsync(main(['start', '--role', 'detect', '--admin-port', '0', '--port', '0']), { code: 'ERR_CLI_USAGE', message: /--bus kafka/ });
  await t.throwsAsync(main(['start', '--role', 'scrape', '--brokers', '127.0.0.1:1']), { code: 'ERR_CLI_USAGE', message: /unknown role/ });
});
