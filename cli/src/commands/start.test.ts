import test from 'ava';
import { adminLines } from './start.js';

const OFF = { header: 'authorization', token: null };

test('the admin line shows the address the server is bound to, not always localhost', (t) => {
  t.regex(adminLines('127.0.0.1', 9464, OFF).join('\n'), /admin\s+http:\/\/127\.0\.0\.1:9464\/\{healthz,readyz,metrics,verdicts,sinks\}$/);
  t.regex(adminLines('::1', 9464, OFF).join('\n'), /http:\/\/\[::1\]:9464\//);
  t.regex(adminLines('0.0.0.0', 9464, OFF).join('\n'), /http:\/\/0\.0\.0\.0:9464\/\S+ \(every interface\)$/);
  t.is(adminLines('127.0.0.1', 9464, OFF).length, 1);
});

test('with a token the banner names its header and never shows the token', (t) => {
  const banner = adminLines('127.0.0.1', 9464, { header: 'x-admin-token', token: 'Bearer s3cret' }).join('\n');
  t.regex(banner, /token required in the x-admin-token header, except on healthz and readyz/);
  t.false(banner.includes('s3cret'));
});
