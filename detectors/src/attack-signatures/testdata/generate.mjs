// Writes this directory's golden inputs (config.json, input.ndjson) from hand-built requests and
// the two URL corpora beside this file (shop-urls.txt, attack-urls.txt). Run from anywhere:
// `node src/attack-signatures/testdata/generate.mjs`; then
// `UPDATE_GOLDEN=1 npx ava dist/attack-signatures/attack-signatures.test.js` and read every expected.ndjson.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const T0 = 1_700_000_000_000;
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

function write(name, config, steps) {
  const base = join(here, name);
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  writeFileSync(join(base, 'input.ndjson'), steps.map((s) => JSON.stringify(s)).join('\n') + '\n');
}

/** One request: `target` is path and query as sent. */
let ray = 0;
function request(ts, ip, method, target, extra = {}, features = undefined) {
  const q = target.indexOf('?');
  const event = { ray_id: `r${++ray}`, timestamp_ms: ts, host: 'shop.example', ip, method, path: q === -1 ? target : target.slice(0, q), uri: target, user_agent: CHROME, ...extra };
  return features === undefined ? { event } : { event, features };
}

function corpus(file) {
  return readFileSync(join(here, file), 'utf8').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

// scanner-user-agents: attack tools' user agents signal at their first request (a second request
// inside the cooldown only counts); generic automation (curl, python-requests, Go) and browsers do not.
{
  ray = 0;
  const agents = [
    ['sqlmap/1.7.2#stable (https://sqlmap.org)', true],
    ['Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:Port Check)', true],
    ['Mozilla/5.0 zgrab/0.x', true],
    ['Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', true],
    ['masscan/1.3 (https://github.com/robertdavidgraham/masscan)', true],
    ['WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)', true],
    ['Mozilla/4.0 (Hydra)', true],
    ['Fuzz Faster U Fool v2.1.0-dev', true],
    ['gobuster/3.6', true],
    ['curl/8.4.0', false],
    ['python-requests/2.31.0', false],
    ['Go-http-client/1.1', false],
    ['Wget/1.21.4', false],
    ['okhttp/4.12.0', false],
    [CHROME, false],
    [SAFARI, false],
  ];
  const steps = [];
  agents.forEach(([ua, tool], i) => {
    const ip = `203.0.113.${10 + i}`;
    const features = { automation_ua: !ua.startsWith('Mozilla/5.0 (') , browser_ua: ua === CHROME || ua === SAFARI };
    steps.push(request(T0 + i * 1_000, ip, 'GET', '/', { user_agent: ua }, features));
    steps.push(request(T0 + i * 1_000 + 500, ip, 'GET', '/products/red-dress', { user_agent: ua }, features));
  });
  steps.push({ flush: T0 + 120_000 });
  write('scanner-user-agents', {}, steps);
}

// encoded-traversal / injection-probes: every line of attack-urls.txt, one address each.
{
  ray = 0;
  const lines = corpus('attack-urls.txt').map((line) => line.split(' '));
  const traversal = lines.filter(([cls]) => cls === 'traversal' || cls === 'restricted_file' || cls === 'os_file');
  const injection = lines.filter(([cls]) => cls === 'exploit' || cls === 'sqli' || cls === 'xss');
  const steps = (rows, net) => rows.map(([, , method, target], i) => request(T0 + i * 1_000, `${net}.${1 + i}`, method, target));
  write('encoded-traversal', {}, steps(traversal, '198.51.100'));
  ray = 0;
  write('injection-probes', {}, steps(injection, '192.0.2'));
}

// shop-urls: every ordinary request of shop-urls.txt from shoppers (Chrome and Safari, their own
// addresses and one office NAT): no signal at all.
{
  ray = 0;
  const rows = corpus('shop-urls.txt').map((line) => line.split(' '));
  const steps = rows.map(([method, target], i) => request(T0 + i * 700, i % 3 === 0 ? '198.18.0.1' : `192.0.2.${100 + (i % 50)}`, method, target, { user_agent: i % 2 === 0 ? CHROME : SAFARI }));
  write('shop-urls', {}, steps);
}

// request-line: methods, protocols, proxy requests and malformed targets no browser sends, beside
// the ordinary ones (HTTP/1.0 monitors, nginx's HTTP/2.0, OPTIONS *, absolute URI of the shop itself).
{
  ray = 0;
  const cases = [
    ['TRACE', '/', 'HTTP/1.1'],
    ['TRACK', '/', 'HTTP/1.1'],
    ['CONNECT', 'evil.example:443', 'HTTP/1.1'],
    ['GET', 'http://evil.example/', 'HTTP/1.1'],
    ['GET', 'http://user@proxy-judge.example:8080/azenv.php', 'HTTP/1.1'],
    ['GETS', '/', 'HTTP/1.1'],
    ['get', '/', 'HTTP/1.1'],
    ['GET', '/', 'HTTP/1.2'],
    ['GET', '/', 'HTTP/0.9'],
    ['GET', 'index.php', 'HTTP/1.1'],
    ['GET', '/search?q=a%0d%0aSet-Cookie:+x=1\r\nSet-Cookie: x=1', 'HTTP/1.1'],
    ['GET', '*', 'HTTP/1.1'],
    // ordinary
    ['GET', '/', 'HTTP/1.0'],
    ['GET', '/', 'HTTP/2.0'],
    ['GET', '/', 'HTTP/3'],
    ['GET', '/', ''],
    ['', '/', 'HTTP/2'],
    ['OPTIONS', '*', 'HTTP/1.1'],
    ['GET', 'https://shop.example/products/red-dress', 'HTTP/1.1'],
    ['PROPFIND', '/products/red-dress', 'HTTP/1.1'],
    ['PATCH', '/api/cart/items/1', 'HTTP/2'],
  ];
  const steps = cases.map(([method, target, protocol], i) => request(T0 + i * 1_000, `203.0.113.${100 + i}`, method, target, { protocol }));
  write('request-line', {}, steps);
}

// cooldown: one scanner sends 20 probes over 3 minutes. First probe: a signal per class it shows;
// later probes only count until the 60 s cooldown is over, then one signal with `matches`.
// A flush a full cooldown after the last probe frees the state.
{
  ray = 0;
  const probes = ['/.env', '/.git/config', '/wp-config.php.bak', '/.aws/credentials', '/phpinfo.php'];
  const steps = [];
  for (let i = 0; i < 20; i++) {
    steps.push(request(T0 + i * 9_000, '203.0.113.66', 'GET', probes[i % probes.length], { user_agent: 'Mozilla/5.0 zgrab/0.x' }));
    if (i % 5 === 4) steps.push({ flush: T0 + i * 9_000 - 1_000 });
  }
  steps.push({ flush: T0 + 19 * 9_000 + 60_000 });
  write('cooldown', { cooldown_ms: 60_000 }, steps);
}

// verified-never: a verified good bot and a safelisted address fetching sensitive paths with a
// scanner user agent are never signalled (the engine drops them first; the detector checks too).
{
  ray = 0;
  const steps = [
    request(T0, '66.249.66.1', 'GET', '/.env', { user_agent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }, { verified: true, claimed_crawler: 'googlebot' }),
    request(T0 + 1_000, '10.1.2.3', 'GET', '/.git/config', { user_agent: 'sqlmap/1.7.2#stable (https://sqlmap.org)' }, { safelisted: true }),
    request(T0 + 2_000, '203.0.113.7', 'GET', '/.git/config', { user_agent: 'sqlmap/1.7.2#stable (https://sqlmap.org)' }),
  ];
  write('verified-never', {}, steps);
}

// class-config: tuning is data. sqli only challenges, without a TTL hint; xss is off; signature
// 221 (Xdebug) is disabled; `config.json` is served by this shop (an exception to the CRS list).
{
  ray = 0;
  const config = {
    classes: { sqli: { action: 'challenge', score: 20, ttl_ms: null }, xss: { enabled: false } },
    disabled_signatures: [221],
    except_entries: { restricted_files: ['config.json'] },
  };
  const steps = [
    request(T0, '203.0.113.1', 'GET', '/products?id=1+union+select+1,2,3'),
    request(T0 + 1_000, '203.0.113.2', 'GET', '/search?q=%3Cscript%3Ealert(1)%3C/script%3E'),
    request(T0 + 2_000, '203.0.113.3', 'GET', '/?XDEBUG_SESSION_START=phpstorm'),
    request(T0 + 3_000, '203.0.113.4', 'GET', '/config.json'),
    request(T0 + 4_000, '203.0.113.5', 'GET', '/.env'),
  ];
  write('class-config', config, steps);
}
