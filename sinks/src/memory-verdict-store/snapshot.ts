/**
 * The verdict store's snapshot file: one verdict per line (NDJSON), written to `<path>.tmp` and
 * renamed over `<path>`, so a crash mid-write leaves the previous snapshot whole. Each line is a
 * verdict in core's codec; a line it refuses is counted as bad and skipped.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { decodeVerdict, verdictJson, type Verdict } from '@botsieve/core';

export async function writeSnapshot(path: string, entries: Iterable<{ verdict: Verdict }>): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp`;
  const out = createWriteStream(temporary);
  let count = 0;
  let chunk = '';
  for (const { verdict } of entries) {
    chunk += `${verdictJson(verdict)}\n`;
    count += 1;
    // Lines go out in ~64 KiB chunks, waiting for the stream to drain: bounded memory at 1 M verdicts.
    if (chunk.length > 65_536) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'close');
  await rename(temporary, path);
  return count;
}

export async function readSnapshot(path: string): Promise<{ verdicts: Verdict[]; bad_lines: number }> {
  const verdicts: Verdict[] = [];
  let bad_lines = 0;
  const input = createReadStream(path, { encoding: 'utf8' });
  const missing = new Promise<boolean>((resolve) => {
    input.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ENOENT'));
    input.once('open', () => resolve(false));
  });
  if (await missing) return { verdicts, bad_lines };
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    if (line === '') continue;
    const decoded = decodeVerdict(line);
    if (decoded.ok) verdicts.push(decoded.verdict);
    else bad_lines += 1;
  }
  return { verdicts, bad_lines };
}
