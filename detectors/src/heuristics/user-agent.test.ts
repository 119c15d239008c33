import test from 'ava';
import { CrawlerDirectory } from '@botsieve/runtime';
import { DEFAULT_BROWSER_JA4_A_PATTERNS, Ja4BrowserMatcher, ja4APart, ja4LooksLikeBrowser } from './ja4.js';
import { UserAgentClassifier } from './user-agent.js';

/** Real user agents, as browsers and tools send them. */
const UA = {
  chrome: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  chromeAndroid: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Mobile Safari/537.36',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  firefox: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  safari: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  curl: 'curl/8.4.0',
  pythonRequests: 'python-requests/2.31.0',
  go: 'Go-http-client/1.1',
  headlessChrome: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.109 Safari/537.36',
  googlebot: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; +http://www.google.com/bot.html) Chrome/120.0.6099.216 Safari/537.36',
  bingbot: 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
};

const classifier = new UserAgentClassifier(CrawlerDirectory.load());

test('mainstream browsers are browsers, not automation', (t) => {
  for (const name of ['chrome', 'chromeAndroid', 'edge', 'firefox', 'safari', 'safariIphone'] as const) {
    t.deepEqual(classifier.classify(UA[name]), { automation: false, browser: true, crawler: '' }, name);
  }
});

test('tools, libraries and headless browsers are automation, not browsers', (t) => {
  for (const name of ['curl', 'pythonRequests', 'go', 'headlessChrome'] as const) {
    t.deepEqual(classifier.classify(UA[name]), { automation: true, browser: false, crawler: '' }, name);
  }
});

test('crawlers are automation and name the crawler they claim', (t) => {
  t.deepEqual(classifier.classify(UA.googlebot), { automation: true, browser: false, crawler: 'googlebot' });
  t.deepEqual(classifier.classify(UA.bingbot), { automation: true, browser: false, crawler: 'bingbot' });
});

test('an empty or odd user agent claims nothing', (t) => {
  t.deepEqual(classifier.classify(''), { automation: false, browser: false, crawler: '' });
  t.false(classifier.classify('Mozilla/5.0 (Windows NT 10.0) Chrome').browser);
});

test('results are cached per user agent, within the cache size', (t) => {
  const small = new UserAgentClassifier(CrawlerDirectory.load(), 2);
  const first = small.classify(UA.chrome);
  t.is(small.classify(UA.chrome), first); // the cached object
  small.classify(UA.firefox);
  small.classify(UA.curl);
  t.deepEqual(small.cacheStats(), { size: 2, evictions: 1 });
  small.classify(`${UA.chrome} ${'x'.repeat(2_000)}`); // too long to cache
  t.is(small.cacheStats().size, 2);
});

test('JA4: browsers pass, other shapes do not', (t) => {
  for (const ja4 of [
    't13d1516h2_8daaf6152771_02713d6af862', // Chrome 120–131
    't13d1516h2_8daaf6152771_d8a2da3f94cd', // Chrome 133+
    't13d1515h2_8daaf6152771_de4a06bb82e3', // Edge 85
    't13d1715h2_5b57614c22b0_3d5424432f57', // Firefox 105
    't13d1717h2_5b57614c22b0_3cbfd9057e0d', // Firefox 135
    't13d1917h2_4d8ed5baf28e_3cbfd9057e0d', // Firefox 148
    't13d2014h2_a09f3c656075_14788d8d241b', // Safari 16 / iOS 16
    't13d2013h2_a09f3c656075_7f0f34a4126d', // Safari 26
    'q13d0312h3_55b375c5d22e_06cda9e17597', // HTTP/3
  ]) {
    t.true(ja4LooksLikeBrowser(ja4), ja4);
  }
  for (const ja4 of [
    't12d120700_d34a8e72043a_036209cd1ead', // OkHttp on Android 11: TLS 1.2, no ALPN
    't13i1516h2_8daaf6152771_02713d6af862', // no SNI
    't13d1516h1_8daaf6152771_02713d6af862', // no h2
    't13d0508h1_abcdefabcdef_abcdefabcdef', // few suites, HTTP/1.1
    't13d4012h2_abcdefabcdef_abcdefabcdef', // OpenSSL's long suite list
    'garbage',
    '',
  ]) {
    t.false(ja4LooksLikeBrowser(ja4), ja4);
  }
  t.is(ja4APart('t13d1516h2_8daaf6152771_02713d6af862'), 't13d1516h2');
});

test('JA4: accepted shapes are configurable; a bad pattern is ERR_DETECTOR_CONFIG', (t) => {
  const tls12 = new Ja4BrowserMatcher([...DEFAULT_BROWSER_JA4_A_PATTERNS, '^t12d1[0-9]{3}h2$']);
  t.true(ja4LooksLikeBrowser('t12d1209h2_aaaaaaaaaaaa_bbbbbbbbbbbb', tls12));
  t.false(ja4LooksLikeBrowser('t12d1209h2_aaaaaaaaaaaa_bbbbbbbbbbbb'));
  t.throws(() => new Ja4BrowserMatcher(['(']), { code: 'ERR_DETECTOR_CONFIG', message: /browser_ja4_a_patterns\[0\]/ });
});
