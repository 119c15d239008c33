/**
 * LZ4 for kafkajs, which ships only gzip: botsieve's producer compresses with lz4 (Kafka's LZ4
 * framing is the standard LZ4 frame format), so the observer needs a codec. Pure JavaScript
 * (lz4js), because this is test-only and a second native build is not worth it.
 */
import kafkajs from 'kafkajs';
// @ts-expect-error lz4js ships no types
import lz4 from 'lz4js';

interface Encoder {
  buffer: Buffer;
}

export function registerLz4(): void {
  // kafkajs is CommonJS; its codec table is a named export Node cannot see statically.
  kafkajs.CompressionCodecs[kafkajs.CompressionTypes.LZ4] = () => ({
    async compress(encoder: Encoder) {
      return Buffer.from(lz4.compress(encoder.buffer));
    },
    async decompress(buffer: Buffer) {
      return Buffer.from(lz4.decompress(buffer));
    },
  });
}
