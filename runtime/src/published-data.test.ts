/** The GitHub ref resolution and list comparison the refresh commands share (their HTTP paths are tested against local servers by each command). */
import test from 'ava';
import { BotsieveError } from '@botsieve/core';
import { githubReadSettings, listChange, resolveGitHubCommit, type FetchLike } from './published-data.js';

const SHA = '007eaf9c3f3c1a8c1f0b1e6f2d2b8f9a0c1d2e3f';
const makeError = (message: string, retryable: boolean, cause?: unknown): BotsieveError => new BotsieveError('ERR_TEST_REFRESH', message, { retryable, cause });

/** A fetch answering `body` with 200 and recording what was asked. */
function answering(body: string, asked: { url: string; headers: Record<string, string> }[]): FetchLike {
  return async (url, init) => {
    asked.push({ url, headers: init.headers });
    return { ok: true, status: 200, statusText: 'OK', text: async () => body };
  };
}

test('githubReadSettings fills the defaults and drops trailing slashes', (t) => {
  t.deepEqual(githubReadSettings({}), { ref: 'main', apiBase: 'https://api.github.com', rawBase: 'https://raw.githubusercontent.com', timeoutMs: 15_000 });
  t.deepEqual(githubReadSettings({ ref: 'v4', apiBase: 'http://127.0.0.1:1/api//', rawBase: 'http://127.0.0.1:1/raw/', timeoutMs: 5 }), {
    ref: 'v4',
    apiBase: 'http://127.0.0.1:1/api',
    rawBase: 'http://127.0.0.1:1/raw',
    timeoutMs: 5,
  });
});

test('resolveGitHubCommit asks the API for the sha of a ref, and nothing for a full sha', async (t) => {
  const asked: { url: string; headers: Record<string, string> }[] = [];
  const options = { api_base: 'http://api.test', timeout_ms: 1000, user_agent: 'botsieve test' };
  t.is(await resolveGitHubCommit(answering(`${SHA}\n`, asked), 'owner/name', 'release/1', options, makeError), SHA);
  t.deepEqual(asked, [{ url: 'http://api.test/repos/owner/name/commits/release%2F1', headers: { accept: 'application/vnd.github.sha', 'user-agent': 'botsieve test' } }]);
  t.is(await resolveGitHubCommit(answering(JSON.stringify({ sha: SHA }), asked), 'owner/name', 'main', options, makeError), SHA);
  t.is(await resolveGitHubCommit(answering('unused', asked), 'owner/name', SHA, options, makeError), SHA);
  t.is(asked.length, 2);
});

test('resolveGitHubCommit refuses an answer that is no sha, through the caller\'s error', async (t) => {
  const options = { api_base: 'http://api.test', timeout_ms: 1000 };
  for (const body of ['not a sha', '{"sha": 7}', '{broken']) {
    const error = await t.throwsAsync(resolveGitHubCommit(answering(body, []), 'owner/name', 'main', options, makeError), { code: 'ERR_TEST_REFRESH' });
    t.is(error?.message, "owner/name: http://api.test/repos/owner/name/commits/main did not answer a commit sha for 'main'");
    t.false((error as BotsieveError).retryable);
  }
});

test('listChange counts entries before and after, added and removed', (t) => {
  t.deepEqual(listChange([1, 2, 3], [2, 3, 4, 5]), { before: 3, after: 4, added: 2, removed: 1 });
  t.deepEqual(listChange([], ['a']), { before: 0, after: 1, added: 1, removed: 0 });
});
