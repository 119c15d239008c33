/**
 * `@botsieve/ingest/internals`: the pieces of the ingest tier that the benchmark (bench/)
 * measures apart from the server: the line splitter, the uWebSockets.js loader and the sample
 * Logpush batches. Not a stable API; applications use the package's index.
 */
export { LineSplitter } from './server/line-splitter.js';
export type { LineSink } from './server/line-splitter.js';
// The loader is runtime's (one loader for ingest and the decision server); re-exported for bench.
export { loadUws } from '@botsieve/runtime';
export { sampleGzip, sampleNdjson } from './test-support/logpush-sample.js';
