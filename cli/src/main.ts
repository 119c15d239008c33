/** `botsieve` command line: start, replay, simulate, eval, crawlers, attack-signatures, hosting-networks, cloudflare-ips, config. */
import { parseArgs } from 'node:util';
import { startCommand, START_OPTIONS } from './commands/start.js';
import { replayCommand, REPLAY_OPTIONS } from './commands/replay.js';
import { configCommand, CONFIG_OPTIONS } from './commands/config-command.js';
import { simulateCommand, SIMULATE_OPTIONS } from './commands/simulate.js';
import { evalCommand, EVAL_OPTIONS } from './commands/eval.js';
import { crawlersCommand, CRAWLERS_OPTIONS, CRAWLERS_USAGE } from './commands/crawlers.js';
import { attackSignaturesCommand, ATTACK_SIGNATURES_OPTIONS, ATTACK_SIGNATURES_USAGE } from './commands/attack-signatures.js';
import { hostingNetworksCommand, HOSTING_NETWORKS_OPTIONS, HOSTING_NETWORKS_USAGE } from './commands/hosting-networks.js';
import { cloudflareIpsCommand, CLOUDFLARE_IPS_OPTIONS, CLOUDFLARE_IPS_USAGE } from './commands/cloudflare-ips.js';

const USAGE = `usage: botsieve <command> [options]

commands:
  start                 run the pipeline (default: every tier in one process on the embedded bus)
      --config FILE       JSON configuration file (see README: configuration reference)
      --bus KIND          embedded | kafka
      --brokers LIST      Kafka bootstrap servers, comma-separated (implies --bus kafka)
      --role ROLES        all | ingest | detect | sink | decide, comma-separated (roles other than all need --bus kafka)
      --port N            ingest port (default 8080)
      --admin-port N      admin port: /healthz /readyz /metrics /verdicts (default 9464)
      --decide-port N     decision service port: /v1/decision /v1/decisions /v1/verdicts/stream (default 8090)
      --log-level LEVEL   fatal | error | warn | info | debug | trace | silent
  replay [--annotate] [--config FILE] [--progress] [--quiet] FILE…
                        run Logpush NDJSON files (plain or .gz) through the detectors in event
                        time; print verdicts as NDJSON, or with --annotate one line per event:
                        {"RayID","action","score","subject","reasons"}
  simulate --out FILE --labels FILE [options]
                        write realistic Logpush NDJSON for a shop (humans, crawlers, scrapers, an
                        L7 flood, credential stuffing, scanners) and its ground truth, one
                        {"RayID","class","actor"} line per request; names ending .gz are gzipped
      --seed N            PRNG seed (default 1): the same seed writes the same bytes
      --duration-s N      event time covered, seconds (default 600)
      --scale F           population multiplier (default 1: ~0.83 M requests in 10 minutes)
      --no-bot-management leave out BotScore, BotScoreSrc, VerifiedBotCategory, JA4, JA3Hash, BotTags
      --start ISO         event time of the first second (default 2026-11-01T12:00:00Z)
      --world             draw world --seed instead: every population from wide ranges, seven
                          more classes, ClientRequestProtocol (see simulator/README.md, Worlds)
      --parameters FILE   with --world: write the world's parameters as JSON
      --quiet             no progress or summary on stderr
  eval --events FILE --labels FILE [--config FILE] [--json | --markdown] [--check] [--quiet]
                        replay the events through the detectors, score each request's causal
                        action against its label, per class, beside the \`score lt 30\` baseline;
                        --check exits 1 when a target is missed
  eval --worlds N [--first-seed S] [--duration-s N] [--scale F] [--jobs N] [--config FILE]
       [--json | --markdown] [--check] [--quiet]
                        N worlds (seeds S…S+N-1, default 1…) × with and without Bot Management,
                        in memory on --jobs worker threads (default 2): per class the worst,
                        median and best world beside the baseline, the worst world's seed and
                        parameters; --check exits 1 when a target misses on its worst world
${CRAWLERS_USAGE}${ATTACK_SIGNATURES_USAGE}${HOSTING_NETWORKS_USAGE}${CLOUDFLARE_IPS_USAGE}  config [--config FILE] [--reference | --errors | --write-readme README.md]
                        print the effective configuration as JSON, the Markdown references,
                        or refresh the README's generated sections
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return startCommand(parseArgs({ args: rest, options: START_OPTIONS, allowPositionals: false }).values);
    case 'replay': {
      const { values, positionals } = parseArgs({ args: rest, options: REPLAY_OPTIONS, allowPositionals: true });
      return replayCommand(values, positionals);
    }
    case 'simulate':
      return simulateCommand(parseArgs({ args: rest, options: SIMULATE_OPTIONS, allowPositionals: false }).values);
    case 'eval':
      return evalCommand(parseArgs({ args: rest, options: EVAL_OPTIONS, allowPositionals: false }).values);
    case 'crawlers': {
      const { values, positionals } = parseArgs({ args: rest, options: CRAWLERS_OPTIONS, allowPositionals: true });
      return crawlersCommand(values, positionals);
    }
    case 'attack-signatures': {
      const { values, positionals } = parseArgs({ args: rest, options: ATTACK_SIGNATURES_OPTIONS, allowPositionals: true });
      return attackSignaturesCommand(values, positionals);
    }
    case 'hosting-networks': {
      const { values, positionals } = parseArgs({ args: rest, options: HOSTING_NETWORKS_OPTIONS, allowPositionals: true });
      return hostingNetworksCommand(values, positionals);
    }
    case 'cloudflare-ips': {
      const { values, positionals } = parseArgs({ args: rest, options: CLOUDFLARE_IPS_OPTIONS, allowPositionals: true });
      return cloudflareIpsCommand(values, positionals);
    }
    case 'config':
      return configCommand(parseArgs({ args: rest, options: CONFIG_OPTIONS, allowPositionals: false }).values);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`botsieve: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}
