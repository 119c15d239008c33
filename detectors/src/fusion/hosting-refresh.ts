/**
 * Refreshing the shipped hosting networks from X4BNet's datacenter ASN list (`botsieve
 * hosting-networks refresh`; the CLI only wires flags to these functions).
 *
 * The ref (default `main`, the repository's default branch) is resolved to one commit first
 * (GitHub API, `application/vnd.github.sha`), then the list is read at that commit from
 * raw.githubusercontent.com, so the written file names the exact commit its numbers came from.
 * All or nothing: the list is fetched, parsed and checked by the loader's own validator
 * (`parseHostingNetworks`) before anything is returned, and a failure (HTTP status, timeout, an
 * oversized, empty or HTML body, a line that is not `AS<n> # comment`) leaves the file as it was.
 * The write goes to a temporary file beside the target, then renames over it.
 *
 * Failures throw BotsieveError ERR_DETECTOR_CONFIG (the data is detector configuration) naming
 * the URL and, for a bad body, the line; network failures and 5xx/429 answers are marked retryable.
 */
import { fetchText, githubReadSettings, listChange, resolveGitHubCommit, writeJsonAtomically, type FetchLike, type GitHubReadOptions, type ListChange } from '@botsieve/runtime';
import { dataRefreshError } from '../errors.js';
import { parseHostingNetworks, type HostingNetworksData } from './hosting-networks.js';

export interface HostingRefreshOptions extends GitHubReadOptions {
  /** Wall clock for `fetched_at` (injected in tests). */
  now?: () => Date;
  /** Largest body accepted (default 1 MiB; X4BNet's ASN.txt is about 27 KiB). */
  maxBytes?: number;
}

export interface HostingRefreshSummary extends ListChange {
  url: string;
  commit: string;
}

export interface HostingRefreshResult {
  data: HostingNetworksData;
  summary: HostingRefreshSummary;
}

const USER_AGENT = 'botsieve hosting-networks refresh';
const DEFAULT_MAX_BYTES = 1024 * 1024;
const NAME = 'hosting networks';
/** `AS<n>`, optionally followed by a `#` comment (which may hold more `#`s). */
const ASN_LINE = /^AS(\d{1,10})(?:\s*#.*)?$/i;

/**
 * Reads the list of `current` again from its repository and path at one commit of `ref`;
 * `repository`, `path` and `license` are kept, `commit`, `fetched_at`, `provenance` and `asns`
 * replaced.
 */
export async function refreshHostingNetworks(current: HostingNetworksData, fetchImpl: FetchLike, options: HostingRefreshOptions = {}): Promise<HostingRefreshResult> {
  const { ref, apiBase, rawBase, timeoutMs } = githubReadSettings(options);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const commit = await resolveGitHubCommit(fetchImpl, current.repository, ref, { api_base: apiBase, timeout_ms: timeoutMs, user_agent: USER_AGENT }, dataRefreshError);
  const url = `${rawBase}/${current.repository}/${commit}/${current.path}`;
  const body = await fetchText(fetchImpl, url, { name: NAME, accept: 'text/plain', timeout_ms: timeoutMs, max_bytes: maxBytes, user_agent: USER_AGENT }, dataRefreshError);
  const asns = parseAsnList(body, `${NAME}: ${url}`);
  const fetchedAt = (options.now?.() ?? new Date()).toISOString();
  // Same validation as loading: what is written can always be loaded again.
  const data = parseHostingNetworks(
    {
      repository: current.repository,
      path: current.path,
      commit,
      license: current.license,
      fetched_at: fetchedAt,
      provenance:
        `The AS numbers of ${current.path} of github.com/${current.repository} (${current.license}) at commit ${commit} (ref ${ref}), ` +
        `fetched from ${url} by \`botsieve hosting-networks refresh\` at ${fetchedAt}: one \`AS<n> # comment\` per line; the numbers in order, ` +
        'duplicates dropped, comments not kept. Hosting, cloud and data-centre networks (the list X4BNet builds its datacenter ranges from). ' +
        'To refresh: `botsieve hosting-networks refresh`.',
      asns,
    },
    `refreshed ${NAME}`,
  );
  return { data, summary: { url, commit, ...listChange(current.asns, asns) } };
}

/**
 * The AS numbers of an X4BNet ASN list: one `AS<n> # comment` per line (`as` in any case, CR LF
 * or LF), blank lines and `#` comment lines skipped; in the file's order, duplicates dropped.
 * Throws on an HTML page, on any other line (naming it), and on a body without AS numbers, so a
 * bad download never changes the list.
 */
export function parseAsnList(text: string, origin: string): number[] {
  const seen = new Set<number>();
  const asns: number[] = [];
  // An ASN list never starts with markup: an error page, a login wall, a rate-limit notice do.
  if (text.trimStart().startsWith('<')) throw dataRefreshError(`${origin}: looks like an HTML page, not an AS number list`, false);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = ASN_LINE.exec(line);
    const asn = match === null ? NaN : Number(match[1]);
    if (!(asn > 0 && asn <= 0xffffffff)) {
      throw dataRefreshError(`${origin}: line ${i + 1} is not \`AS<n> # comment\` with an AS number from 1 to 4294967295: ${JSON.stringify(line.slice(0, 120))}`, false);
    }
    if (seen.has(asn)) continue;
    seen.add(asn);
    asns.push(asn);
  }
  if (asns.length === 0) throw dataRefreshError(`${origin}: no AS numbers (not an ASN list?)`, false);
  return asns;
}

/** One line, e.g. `hosting networks: 770 → 772 ASNs (+3 −1) at f7f3ab0… from https://…`. */
export function formatHostingRefreshSummary(summary: HostingRefreshSummary): string {
  return `${NAME}: ${summary.before} → ${summary.after} ASNs (+${summary.added} −${summary.removed}) at ${summary.commit} from ${summary.url}`;
}

/** Writes hosting-networks data atomically: a temporary file beside `path`, then rename over it. */
export async function writeHostingNetworks(path: string, data: HostingNetworksData): Promise<void> {
  await writeJsonAtomically(path, data, NAME, dataRefreshError);
}
