/**
 * Account and vulnerability attacks:
 * - `credential_stuffing`: leaked username/password pairs replayed with POST /login through a
 *   residential proxy pool (OpenBullet-style checkers on Windows: WinHTTP's JA4, two hard-coded
 *   Chrome User-Agents). Each address makes 1–3 attempts 2–15 s apart and is dropped; ~95% fail
 *   with 401 (typical hit rates of stuffing lists are 0.1–5%). No GET of the login page first,
 *   no assets.
 * - `brute_force`: Hydra (and a Python script) from a few VPS addresses, ~0.8 attempts/s each
 *   for a few minutes, nearly all 401.
 * - `probe`: vulnerability scanners (zgrab, Censys, nuclei with a browser User-Agent, a Python
 *   script) sweeping a list of sensitive paths at ~5 requests/s, getting 404/403.
 *
 * In a world each takes its addresses and client from its AttackerProfile; credential stuffing
 * may aim at the app's POST /api/auth/login instead of the website's form.
 */
import { TOOLS, attackerAddress, attackerClient } from '../attackers.js';
import { JA3, JA4, TOOL_UA, staleChromeUserAgent } from '../clients.js';
import { HOSTING, PROXY_RESIDENTIAL, addressIn } from '../networks.js';
import type { Random } from '../random.js';
import { PROBE_PATHS } from '../site.js';
import { Identity, scored, type Actor, type World } from '../world.js';
import { PoissonActor, at } from './actors.js';

/** One proxy address's share of a stuffing run: a few attempts, then the proxy rotates. */
class StuffingWorker implements Actor {
  next_ms: number;

  constructor(
    private readonly who: Identity,
    private attempts: number,
    start_ms: number,
    private readonly random: Random,
  ) {
    this.next_ms = start_ms;
  }

  step(world: World): boolean {
    const site = world.site;
    const config = world.scenario.credential_stuffing;
    if (config.endpoint === 'app') {
      world.emit(this.who, world.now, 'POST', site.apiLogin(!this.random.chance(config.failure_share), this.random), '');
    } else {
      const referer = this.random.chance(0.6) ? `https://${site.host}/login` : '';
      world.emit(this.who, world.now, 'POST', site.loginResult(!this.random.chance(config.failure_share), this.random), referer);
    }
    this.attempts -= 1;
    this.next_ms = world.now + this.random.uniform(2_000, 15_000);
    return this.attempts > 0;
  }
}

export function startCredentialStuffing(world: World, random: Random): void {
  const config = world.scenario.credential_stuffing;
  if (config.attempts_per_s <= 0) return;
  const userAgents = [staleChromeUserAgent(120), staleChromeUserAgent(122)];
  const meanAttempts = (1 + config.max_attempts_per_ip) / 2;
  const profile = world.scenario.attackers.credential_stuffing;
  let workers = 0;
  world.schedule(new PoissonActor(at(world, config.window.start_s), at(world, config.window.end_s), config.attempts_per_s / meanAttempts, random, (w) => {
    let who: Identity;
    if (profile === undefined) {
      const address = w.addresses.claim('credential_stuffing', 'fresh', () => addressIn(random.pick(PROXY_RESIDENTIAL), random));
      // Residential addresses with no history: Bot Management is unsure about a third of them.
      const scoring = random.chance(0.65) ? scored(5, 29) : scored(30, 65);
      who = new Identity('credential_stuffing', `stuffing-proxy:${workers++}`, address, random.pick(userAgents), JA4.winhttp, JA3.winhttp, scoring);
    } else {
      const client = attackerClient(profile, random, TOOLS.python);
      who = new Identity('credential_stuffing', `stuffing-proxy:${workers++}`, attackerAddress(w, 'credential_stuffing', profile.network, random), client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
    }
    w.schedule(new StuffingWorker(who, random.int(1, config.max_attempts_per_ip), w.now, random));
  }));
}

export function startBruteForce(world: World, random: Random): void {
  const config = world.scenario.brute_force;
  const profile = world.scenario.attackers.brute_force;
  for (let i = 0; i < config.ips; i++) {
    let who: Identity;
    if (profile === undefined) {
      const address = world.addresses.claim('brute_force', 'fresh', () => addressIn(random.pick(HOSTING), random));
      const hydra = i % 3 !== 2;
      who = hydra
        ? new Identity('brute_force', `brute-force:${i}`, address, TOOL_UA.hydra, JA4.openssl, JA3.openssl, scored(1, 1, 'Heuristics'))
        : new Identity('brute_force', `brute-force:${i}`, address, TOOL_UA.python_requests, JA4.python, JA3.python, scored(1, 5, 'Heuristics'));
    } else {
      const client = attackerClient(profile, random, TOOLS.hydra);
      who = new Identity('brute_force', `brute-force:${i}`, attackerAddress(world, 'brute_force', profile.network, random), client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
    }
    // The addresses join within the first 10% of the window (at most 20 s).
    const from = at(world, config.window.start_s) + random.uniform(0, Math.min(20_000, (config.window.end_s - config.window.start_s) * 100));
    world.schedule(new PoissonActor(from, at(world, config.window.end_s), config.attempts_per_s_per_ip, random, (w) => {
      w.emit(who, w.now, 'POST', w.site.loginResult(!random.chance(config.failure_share), random), '');
    }));
  }
}

const SCANNERS = [
  { ua: TOOL_UA.zgrab, ja4: JA4.go, ja3: JA3.go, spoofed: false },
  { ua: TOOL_UA.censys, ja4: JA4.go, ja3: JA3.go, spoofed: false },
  // nuclei sends a browser User-Agent (an old one) over Go's TLS stack.
  { ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.124 Safari/537.36', ja4: JA4.go, ja3: JA3.go, spoofed: true },
  { ua: TOOL_UA.python_requests, ja4: JA4.python, ja3: JA3.python, spoofed: false },
] as const;
/** Scanners also try each path under a few common prefixes. */
const PREFIXES = ['', '', '', '/api', '/backup', '/old', '/shop'];

export function startProbes(world: World, random: Random): void {
  const config = world.scenario.probe;
  const profile = world.scenario.attackers.probe;
  for (let i = 0; i < config.scanners; i++) {
    let who: Identity;
    if (profile === undefined) {
      const address = world.addresses.claim('probe', 'fresh', () => addressIn(random.pick(HOSTING), random));
      const scanner = random.pick(SCANNERS);
      who = new Identity('probe', `scanner:${i}`, address, scanner.ua, scanner.ja4, scanner.ja3, scanner.spoofed ? scored(8, 35) : scored(1, 1, 'Heuristics'));
    } else {
      const client = attackerClient(profile, random, TOOLS.zgrab);
      who = new Identity('probe', `scanner:${i}`, attackerAddress(world, 'probe', profile.network, random), client.user_agent, client.ja4, client.ja3, client.scoring, client.transport);
    }
    const paths = random.shuffled(PROBE_PATHS).slice(0, random.int(Math.ceil(PROBE_PATHS.length * 0.6), PROBE_PATHS.length));
    const sweep: (readonly [string, number])[] = [];
    for (const [path, status] of paths) {
      const prefix = random.pick(PREFIXES);
      // Under another directory only the dotfile rule still answers 403; everything else is 404.
      sweep.push(prefix === '' ? [path, status] : [`${prefix}${path}`, status === 403 ? 403 : 404]);
    }
    const length_s = sweep.length / config.requests_per_s;
    const { start_s, end_s } = config.window;
    const from = at(world, start_s + random.uniform(0, Math.max(0, end_s - start_s - length_s * 1.5)));
    let next = 0;
    world.schedule(new PoissonActor(from, at(world, end_s), config.requests_per_s, random, (w) => {
      const [path, status] = sweep[next++] as readonly [string, number];
      w.emit(who, w.now, 'GET', w.site.notFound(path, random, status), '');
      return next < sweep.length;
    }));
  }
}
