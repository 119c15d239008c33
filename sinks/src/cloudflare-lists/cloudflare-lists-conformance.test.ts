import test from 'ava';
import type { Verdict } from '@botsieve/core';
import { nullTelemetry, systemClock } from '@botsieve/runtime';
import type { CloudflareApiServer } from '@botsieve/testkit';
import { sinkConformance } from '../service/sink-conformance.js';
import { CloudflareListsSink } from './cloudflare-lists.js';
import { configFor, LISTS, startServer } from './test-support.js';

const servers: CloudflareApiServer[] = [];
test.after.always(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

sinkConformance<Verdict>(test, 'cloudflare-lists', {
  async make() {
    const server = await startServer();
    servers.push(server);
    const sink = new CloudflareListsSink(configFor(server), { telemetry: nullTelemetry().component('sink.cloudflare-lists'), clock: systemClock });
    return { sink, stored: async () => server.values(LISTS.block_ip).map((value) => `ip:${value}`) };
  },
  item(i) {
    const verdict: Verdict = { id: `v${i}`, subject: `ip:192.0.2.${i}`, action: 'block', score: 5, ttl_ms: 3_600_000, decided_at: Date.now(), detectors: [] };
    return { value: Buffer.from(JSON.stringify(verdict)), identity: verdict.subject };
  },
  decode: (value) => JSON.parse(value.toString('utf8')) as Verdict,
});
