/** The shared sink conformance suite for the Pub/Sub publisher, against the local gRPC server. */
import test from 'ava';
import type { Verdict } from '@botsieve/core';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import { PubSubServer } from '@botsieve/testkit';
import { sinkConformance } from '../service/sink-conformance.js';
import { PubSubVerdictPublisher } from './pubsub-verdict-publisher.js';
import { randomName, testConfig } from './test-support.js';

let server: PubSubServer;
test.before(async () => {
  server = await PubSubServer.start();
});
test.after.always(async () => {
  await server?.close();
});

sinkConformance<Verdict>(test, 'pubsub', {
  async make() {
    const topic = server.createTopic(randomName('verdicts'));
    const sink = new PubSubVerdictPublisher(testConfig(server, { region: 'europe-west1', topic }), { telemetry: nullTelemetry().component('pubsub'), clock: systemClock });
    // What the topic received: the published verdicts' subjects.
    const stored = async () => server.published(topic).map((message) => (JSON.parse(message.data.toString('utf8')) as Verdict).subject);
    return { sink, stored };
  },
  item(i) {
    const verdict: Verdict = { id: `v${i}`, subject: `ip:192.0.2.${i}`, action: 'block', score: 5, ttl_ms: 60_000, decided_at: 1_000, detectors: [] };
    return { value: Buffer.from(JSON.stringify(verdict)), identity: verdict.subject };
  },
  decode: (value) => JSON.parse(value.toString('utf8')) as Verdict,
});
