export type { EventSource, RequestEvent, SubjectKind, SubjectKey } from './event.js';
export type { DetectorFinding, Verdict, VerdictAction, EventAction } from './verdict.js';
export { ACTION_RANK } from './verdict.js';
export type { Clock } from './clock.js';
export { BotsieveError, isBotsieveError } from './errors.js';
export type { BotsieveErrorOptions } from './errors.js';
export type {
  Bus, BusConsumer, BusProducer, BusRecord, BatchHandler, ConsumerOptions, ProduceBatch, TopicNames, TopicRole,
} from './bus.js';
export type { Logger, LogFn } from './logger.js';
export { METRIC } from './metrics.js';
export type { ComponentMetrics } from './metrics.js';
export type { Sink } from './sink.js';
