/**
 * What tests and benchmarks run against, one import for all of it: local API servers speaking
 * the real wire protocols (BigQuery, Cloudflare, Pub/Sub), the Kafka-protocol mock cluster, a real
 * Redis Cluster, the conformance suite every Bus passes, and polling helpers. Nothing here is
 * imported by production code: the packages list this one as a devDependency.
 */
export { BigQueryApiServer } from './bigquery-api-server.js';
export type { BigQueryApiServerOptions, InsertRow, LoggedRequest as BigQueryLoggedRequest } from './bigquery-api-server.js';
export { CloudflareApiServer } from './cloudflare-api-server.js';
export type { CloudflareApiServerOptions, LoggedRequest as CloudflareLoggedRequest } from './cloudflare-api-server.js';
export { PubSubServer, pubsubProto } from './pubsub-server.js';
export type { AckRecord, DeliveryRecord, ModAckRecord, PublishedMessage, SubscriptionOptions } from './pubsub-server.js';
export { MOCK_KAFKA_EXTRA, startMockKafka } from './mock-kafka.js';
export type { MockKafka, MockKafkaOptions } from './mock-kafka.js';
export { keySlot, parseClusterNodes, startRedisCluster } from './redis-cluster.js';
export type { RedisClusterNodeView, RedisNodeAddress, RedisSlotRange, StartRedisClusterOptions, TestRedisCluster } from './redis-cluster.js';
export { busConformance, collect, produce, uniqueName } from './bus-conformance.js';
export type { ConformanceOptions } from './bus-conformance.js';
export { caught, until } from './promises.js';
