export type { EventSource, RequestEvent, SubjectKind, SubjectKey, VerdictSubjectKind } from './event.js';
export { SUBJECT_KINDS, VERDICT_SUBJECT_KINDS, clientSubjects, ipuaSubject, isSubjectKey, parseIpuaSubject, subjectKind, subjectValue } from './subject.js';
export type { ClientIdentity } from './subject.js';
export type { DetectorFinding, Verdict, VerdictAction, EventAction } from './verdict.js';
export { ACTION_RANK } from './verdict.js';
export { decodeEvent, decodeVerdict, encodeEvent, encodeVerdict, eventProblem, verdictJson, verdictProblem } from './codec/index.js';
export type { EventDecoding, VerdictDecoding } from './codec/index.js';
export type { Clock } from './clock.js';
export { BotsieveError, CORE_ERRORS, catalogueError, isBotsieveError } from './errors.js';
export type { BotsieveErrorOptions, CoreErrorCode, ErrorCatalogueEntry } from './errors.js';
export type {
  Bus, BusConsumer, BusProducer, BusRecord, BatchHandler, ConsumerOptions, PartitionRange, ProduceBatch, TopicNames, TopicRole,
} from './bus.js';
export type { Logger, LogFn } from './logger.js';
export { METRIC } from './metrics.js';
export type { ComponentMetrics } from './metrics.js';
export { PARTIAL_WRITE_ERROR_CODE, PartialWriteError, isPartialWriteError } from './sink.js';
export type { RejectedItem, Sink } from './sink.js';
export {
  AddressProbe, CidrSet, canonicalIp, canonicalIpInto, cidrsOverlap, compareWords, formatCidr, formatIPv4, formatIPv6, isIPv4Mapped, mask32,
  newCanonicalIp, parseCidr, parseIPv4, parseIPv6, truncateCidr,
} from './net/index.js';
export type { CanonicalIp, CidrRange, MappedPrefixes } from './net/index.js';
export { CLOUDFLARE_HEADERS, EDGE_HEADERS, EDGE_HEADER_NAMES, EDGE_TOKEN_MIN_LENGTH } from './edge-headers.js';
export type { EdgeHeaderName } from './edge-headers.js';
