/** The local Cloudflare API server, through the real SDK: it must enforce what Cloudflare enforces. */
import test from 'ava';
import Cloudflare, { APIConnectionError, BadRequestError, PermissionDeniedError, RateLimitError } from 'cloudflare';
import { CloudflareApiServer } from './cloudflare-api-server.js';

async function setup(options: { max_items?: number } = {}) {
  const server = await CloudflareApiServer.start(options);
  const client = new Cloudflare({ apiToken: server.token, apiKey: null, apiEmail: null, baseURL: server.baseURL, maxRetries: 0, logLevel: 'off' });
  const list_id = server.createList('test_ip', 'ip');
  const account_id = server.account_id;
  const completed = async (operation_id: string) => {
    for (;;) {
      const status = await client.rules.lists.bulkOperations.get(operation_id, { account_id });
      if (status.status === 'completed' || status.status === 'failed') return status;
    }
  };
  return { server, client, list_id, account_id, completed };
}

test('items appear when their operation completes; a second operation meanwhile is refused with 429', async (t) => {
  const { server, client, list_id, account_id, completed } = await setup();
  t.teardown(() => server.close());
  const { operation_id } = await client.rules.lists.items.create(list_id, { account_id, body: [{ ip: '192.0.2.1', comment: 'a' }, { ip: '2001:db8::/64' }] });
  t.deepEqual(server.values('test_ip'), []);
  await t.throwsAsync(async () => client.rules.lists.items.create(list_id, { account_id, body: [{ ip: '192.0.2.2' }] }), { instanceOf: RateLimitError });
  t.is(server.concurrent_operation_rejections, 1);
  const first = await client.rules.lists.bulkOperations.get(operation_id, { account_id });
  t.is(first.status, 'running');
  t.is((await completed(operation_id)).status, 'completed');
  t.deepEqual(server.values('test_ip'), ['192.0.2.1', '2001:db8::/64']);
  t.true(server.presentAt('test_ip', '192.0.2.1') !== undefined);
});

test('items are read in address order with cursor pagination, and searched by prefix', async (t) => {
  const { server, client, list_id, account_id } = await setup();
  t.teardown(() => server.close());
  for (const ip of ['198.51.100.9', '192.0.2.7', '192.0.2.10', '2001:db8::/48', '192.0.2.0/24', '203.0.113.1', '192.0.2.1']) server.addForeignItem('test_ip', ip);
  const seen: string[] = [];
  let pages = 0;
  for await (const page of (await client.rules.lists.items.list(list_id, { account_id, per_page: 3 })).iterPages()) {
    pages += 1;
    for (const item of page.result) seen.push((item as { ip: string }).ip);
  }
  t.is(pages, 3);
  t.deepEqual(seen, ['192.0.2.0/24', '192.0.2.1', '192.0.2.7', '192.0.2.10', '198.51.100.9', '203.0.113.1', '2001:db8::/48']);
  const found = await client.rules.lists.items.list(list_id, { account_id, search: '192.0.2.1' });
  t.deepEqual(found.result.map((item) => (item as { ip: string }).ip).sort(), ['192.0.2.1', '192.0.2.10']);
});

test('invalid values, a wrong token and a full account are refused', async (t) => {
  const { server, client, list_id, account_id, completed } = await setup({ max_items: 2 });
  t.teardown(() => server.close());
  for (const ip of ['2001:db8::1', '2001:db8::/80', '192.0.2.1/32', '10.0.0.0/7', 'not-an-ip']) {
    await t.throwsAsync(async () => client.rules.lists.items.create(list_id, { account_id, body: [{ ip }] }), { instanceOf: BadRequestError }, ip);
  }
  const wrong = new Cloudflare({ apiToken: 'wrong', apiKey: null, apiEmail: null, baseURL: server.baseURL, maxRetries: 0, logLevel: 'off' });
  await t.throwsAsync(async () => wrong.rules.lists.list({ account_id }), { instanceOf: PermissionDeniedError });
  const { operation_id } = await client.rules.lists.items.create(list_id, { account_id, body: [{ ip: '192.0.2.1' }, { ip: '192.0.2.2' }, { ip: '192.0.2.3' }] });
  const status = await completed(operation_id);
  t.is(status.status, 'failed');
  t.deepEqual(server.values('test_ip'), []);
});

test('stop() takes the API down and restart() brings it back on the same port with its state', async (t) => {
  const { server, client, account_id } = await setup();
  t.teardown(() => server.close());
  const url = server.baseURL;
  await server.stop();
  await t.throwsAsync(async () => client.rules.lists.list({ account_id }), { instanceOf: APIConnectionError });
  await server.restart();
  t.is(server.baseURL, url);
  const lists = await client.rules.lists.list({ account_id });
  t.deepEqual(lists.result.map((list) => list.name), ['test_ip']);
});
