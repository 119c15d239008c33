import test from 'ava';
import { loadUws } from './load-uws.js';

test('loads once per process: every caller shares one result', async (t) => {
  t.is(loadUws(), loadUws());
  const loaded = await loadUws();
  t.is(loaded.uws === null, loaded.source === null);
});

test('on linux-x64 the uws-pack build loads on Node 18-22; on later Node the loader reports why not', async (t) => {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    t.pass('binaries differ on this platform');
    return;
  }
  const loaded = await loadUws();
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 18 && major <= 22) {
    t.truthy(loaded.uws, loaded.failures.join('; '));
    t.is(loaded.source, 'uws-pack@20.0.8');
    t.is(typeof loaded.uws?.App, 'function');
    t.deepEqual(loaded.failures, []);
  } else {
    t.is(loaded.uws, null);
    t.regex(loaded.failures.join('; '), new RegExp(`uws_linux_x64_${process.versions.modules}`));
  }
});
