import { gzipSync } from 'node:zlib';
import test from 'ava';
import type { BotsieveError } from '@botsieve/core';
import { BodyDecoder, type BodyEncoding } from './body-decoder.js';

function decode(encoding: BodyEncoding, chunks: Buffer[], max = 1 << 20): Promise<{ text: string; error: BotsieveError | null; decoded: number }> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    const decoder: BodyDecoder = new BodyDecoder(encoding, max, {
      data: (chunk) => parts.push(Buffer.from(chunk)),
      end: () => resolve({ text: Buffer.concat(parts).toString(), error: null, decoded: decoder.decodedBytes }),
      fail: (error) => resolve({ text: Buffer.concat(parts).toString(), error, decoded: decoder.decodedBytes }),
    }, () => {});
    for (const chunk of chunks) decoder.write(chunk);
    decoder.end();
  });
}

test('plain and gzip bodies are told apart by the magic bytes', async (t) => {
  const text = 'a\nb\n'.repeat(1_000);
  t.is((await decode('detect', [Buffer.from(text)])).text, text);
  const gz = gzipSync(text);
  t.is((await decode('detect', [gz])).text, text);
  // The magic split across chunks.
  t.is((await decode('detect', [gz.subarray(0, 1), gz.subarray(1, 2), gz.subarray(2)])).text, text);
  t.is((await decode('detect', [Buffer.from('x')])).text, 'x');
  t.is((await decode('gzip', [gz])).text, text);
});

test('corrupt and truncated gzip fail with ERR_INGEST_BAD_GZIP', async (t) => {
  const gz = gzipSync('hello\n'.repeat(100));
  t.is((await decode('detect', [gz.subarray(0, gz.length - 8)])).error?.code, 'ERR_INGEST_BAD_GZIP');
  const corrupt = Buffer.from(gz);
  corrupt.writeUInt16LE(corrupt.readUInt16LE(12) ^ 0xffff, 12);
  t.is((await decode('detect', [corrupt])).error?.code, 'ERR_INGEST_BAD_GZIP');
  t.is((await decode('gzip', [Buffer.from('not gzip at all')])).error?.code, 'ERR_INGEST_BAD_GZIP');
});

test('a gzip bomb stops one output chunk past the limit', async (t) => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
  const result = await decode('detect', [bomb], 1024 * 1024);
  t.is(result.error?.code, 'ERR_INGEST_DECOMPRESSED_TOO_LARGE');
  t.true(result.decoded <= 1024 * 1024 + 64 * 1024, `decoded ${result.decoded}`);
});

test('plain bodies are held to the limit too', async (t) => {
  t.is((await decode('detect', [Buffer.alloc(2_000, 0x61)], 1_000)).error?.code, 'ERR_INGEST_DECOMPRESSED_TOO_LARGE');
});
