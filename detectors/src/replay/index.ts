export { Annotator } from './annotate.js';
export type { Annotation, AnnotatorOptions } from './annotate.js';
export { createReplay } from './replay.js';
export type { Replay, ReplayResult } from './replay.js';
