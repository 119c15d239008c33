export type { EventSource, RequestEvent, SubjectKind, SubjectKey } from './event.js';
export type { DetectorFinding, Verdict, VerdictAction, EventAction } from './verdict.js';
export { ACTION_RANK } from './verdict.js';
export type { Clock } from './clock.js';
export { BotsieveError, catalogueError, isBotsieveError } from './errors.js';
export type { BotsieveErrorOptions, ErrorCatalogueEntry } from './errors.js';
export type {
  Bus, BusConsumer, BusProducer, BusRecord, BatchHandler, ConsumerOptions, ProduceBatch, TopicNames, TopicRole,
} from './bus.js';
export type { Logger, LogFn } from './logger.js';
export { METRIC } from './metrics.js';
export type { ComponentMetrics } from './metrics.js';
export type { Detector, DetectorContext, DetectorFactory } from './detector.js';
export { PARTIAL_WRITE_ERROR_CODE, PartialWriteError, isPartialWriteError } from './sink.js';
export type { RejectedItem, Sink } from './sink.js';
