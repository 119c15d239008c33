import test from 'ava';
import { createTransport } from './index.js';
import { loadUws } from '@botsieve/runtime';
import type { Routes } from './transport.js';

const routes: Routes<object> = {
  upload: () => {},
  get: {},
  notFound: (exchange) => exchange.respond(404, '', { contentType: 'text/plain', retryAfter: null, close: false }),
  stream: { upgrade: () => ({ accept: {} }), open: () => {}, message: () => {}, close: () => {} },
  streamOptions: { max_message_bytes: 1_024, max_backpressure_bytes: 1_024, idle_timeout_s: 0 },
};
const nothingLoads = async () => ({ uws: null, source: null, failures: ["uws-pack: Cannot find module './bin/uws_linux_x64_137.node'"] });

test('auto falls back to node:http when no uWebSockets.js build loads, and says why', async (t) => {
  const chosen = await createTransport('auto', routes, nothingLoads);
  t.is(chosen.transport.implementation, 'node:http');
  t.regex(chosen.fallback ?? '', /no uWebSockets\.js build loads on Node .*uws_linux_x64_137/);
  t.is(chosen.source, null);
});

test('uwebsockets refuses to start without a build; node never tries one', async (t) => {
  await t.throwsAsync(createTransport('uwebsockets', routes, nothingLoads), { code: 'ERR_INGEST_SERVER_UNAVAILABLE' });
  const node = await createTransport('node', routes, () => Promise.reject(new Error('must not be called')));
  t.is(node.transport.implementation, 'node:http');
  t.is(node.fallback, null);
});

test('auto picks uWebSockets.js wherever runtime\'s loader finds a build', async (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    t.pass('binaries differ on this platform');
    return;
  }
  const loaded = await loadUws();
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 18 && major <= 22) {
    t.truthy(loaded.uws, loaded.failures.join('; '));
    t.is(loaded.source, 'uws-pack@20.0.8');
    const chosen = await createTransport('auto', routes);
    t.is(chosen.transport.implementation, 'uwebsockets.js');
    t.is(chosen.fallback, null);
  } else {
    t.is(loaded.uws, null);
    t.regex(loaded.failures.join('; '), new RegExp(`uws_linux_x64_${process.versions.modules}`));
  }
});
