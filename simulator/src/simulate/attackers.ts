/**
 * An attack's addresses and client software in a world, from its AttackerProfile: which network
 * it comes from (`hosting`, `proxy_abroad`, `proxy_customers`) and what it says it is (a fixed
 * automation User-Agent, rotating real browsers, a browser User-Agent over a library's TLS, no
 * User-Agent, or an exact copy of the shop's own clients).
 *
 * Bot Management's view follows the client and the network (illustrative bands, in the spirit of
 * Cloudflare's documentation: heuristics score known automation 1; the machine-learning model is
 * sure about libraries on datacenter addresses and unsure about browser-perfect clients on
 * residential ones). A copy of a human client on a customer's network is close to invisible to
 * it: that is the case where only behaviour tells.
 */
import { JA3, JA4, TOOL_UA, pickAppClient, pickBrowser, staleChromeUserAgent } from './clients.js';
import type { Address } from './networks.js';
import type { Random } from './random.js';
import type { AttackerNetwork, AttackerProfile, TrafficClass } from './scenario.js';
import { scored, type BotScoring, type Client, type World } from './world.js';

/** A library an automated attack runs on: its own User-Agent and TLS. */
export interface Tool {
  user_agent: string;
  ja4: string;
  ja3: string;
}

export const TOOLS = {
  go: { user_agent: TOOL_UA.go, ja4: JA4.go, ja3: JA3.go },
  python: { user_agent: TOOL_UA.python_requests, ja4: JA4.python, ja3: JA3.python },
  aiohttp: { user_agent: TOOL_UA.aiohttp, ja4: JA4.python, ja3: JA3.python },
  scrapy: { user_agent: TOOL_UA.scrapy, ja4: JA4.python, ja3: JA3.python },
  hydra: { user_agent: TOOL_UA.hydra, ja4: JA4.openssl, ja3: JA3.openssl },
  zgrab: { user_agent: TOOL_UA.zgrab, ja4: JA4.go, ja3: JA3.go },
  curl: { user_agent: TOOL_UA.curl, ja4: JA4.curl, ja3: JA3.curl },
  axios: { user_agent: TOOL_UA.axios, ja4: JA4.openssl, ja3: JA3.openssl },
} as const satisfies Record<string, Tool>;

/** Browser User-Agents bots hard-code over a library's TLS (stale, or current). */
const SPOOFED_BROWSER_UAS = [
  staleChromeUserAgent(124),
  staleChromeUserAgent(131),
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/153.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.4 Mobile/15E148 Safari/604.1',
];

/** A fresh address of `cls` on the profile's network. */
export function attackerAddress(world: World, cls: TrafficClass, network: AttackerNetwork, random: Random): Address {
  const pools = world.pools;
  switch (network) {
    case 'hosting':
      return world.addresses.claim(cls, 'fresh', () => pools.botAddress(random));
    case 'proxy_abroad':
      return world.addresses.claim(cls, 'fresh', () => pools.proxyAbroad(random));
    case 'proxy_customers': {
      // A NAT exit is shared on purpose (customers come out of it too); any other address is new.
      const exit = pools.lendNatExit(random);
      if (exit !== null) return world.addresses.claim(cls, 'shared', () => exit);
      return world.addresses.claim(cls, 'fresh', () => pools.customerAddress(random));
    }
  }
}

function band(random: Random, low: number, high: number, src = 'Machine Learning'): BotScoring {
  const width = Math.max(2, Math.round((high - low) / 3));
  const from = random.int(low, Math.max(low, high - width));
  return scored(from, from + width, src);
}

/**
 * A client for one attacker identity. `tool` is the attack's own library (its automation
 * User-Agent); `copy_human` copies a browser or the app, as the profile says.
 */
export function attackerClient(profile: AttackerProfile, random: Random, tool: Tool): Client {
  const hosting = profile.network === 'hosting';
  switch (profile.user_agent) {
    case 'automation':
      return { ...tool, scoring: random.chance(0.85) ? scored(1, 1, 'Heuristics') : band(random, 2, 15), transport: 'auto' };
    case 'none':
      return { user_agent: '', ja4: tool.ja4, ja3: tool.ja3, scoring: random.chance(0.7) ? scored(1, 1, 'Heuristics') : band(random, 2, 20), transport: 'auto' };
    case 'browser_non_browser_ja4':
      return { user_agent: random.pick(SPOOFED_BROWSER_UAS), ja4: tool.ja4, ja3: tool.ja3, scoring: hosting ? band(random, 3, 29) : band(random, 8, 45), transport: 'auto' };
    case 'rotating_browser': {
      // curl_cffi / tls-client: the browser's own JA4, but one fixed extension order (JA3).
      const browser = pickBrowser(random);
      const ja3 = browser.ja3 ?? JA3.chrome_impersonation;
      return { user_agent: browser.user_agent, ja4: browser.ja4, ja3, scoring: hosting ? band(random, 8, 45) : band(random, 15, 70), transport: 'auto' };
    }
    case 'copy_human': {
      if (profile.copies === 'app') {
        const app = pickAppClient(random, 0.45);
        return { user_agent: app.user_agent, ja4: app.ja4, ja3: app.ja3, scoring: hosting ? band(random, 5, 40) : band(random, 15, 85), transport: 'auto' };
      }
      const browser = pickBrowser(random);
      return { user_agent: browser.user_agent, ja4: browser.ja4, ja3: browser.ja3 ?? random.hex(32), scoring: hosting ? band(random, 10, 50) : band(random, 20, 85), transport: 'auto' };
    }
  }
}
