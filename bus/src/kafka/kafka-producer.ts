/**
 * The Kafka producer: one idempotent librdkafka producer (acks=all), batches counted down by
 * delivery reports (KafkaBatch), and a readiness flag the ingest turns into 503.
 *
 * Readiness: false until connected; false at once on "all brokers down"; false when the
 * periodic metadata probe (every health_interval_ms, with that timeout) fails; true again only
 * when a probe succeeds. A single broker's transport error does not flip it (one broker of a
 * healthy cluster restarting must not fail ingest) but triggers a probe right away. The
 * probe's timer is unref'd: it never keeps the process alive.
 *
 * On broker loss: `send` returns false as soon as readiness is false; messages already queued
 * stay in librdkafka until the brokers return or `delivery_timeout_ms` passes, at which point
 * their batches reject with ERR_BUS_DELIVERY (measured on the mock cluster: for a partition
 * whose leader is down the expiry is seen only at the next reconnect attempt, so up to ~10 s
 * late). Nothing resolves that was not confirmed.
 */
import rdkafka from 'node-rdkafka';
import type { DeliveryReport, LibrdKafkaError } from 'node-rdkafka';
import { METRIC, type BusProducer, type ProduceBatch } from '@botsieve/core';
import type { ComponentTelemetry } from '@botsieve/runtime';
import type { KafkaConfig } from '../config.js';
import { busError, closedError, connectError, deliveryError, messageOf } from '../errors.js';
import { KafkaBatch, type BatchOwner } from './kafka-batch.js';
import { CODES, PRODUCER_POLL_INTERVAL_MS, producerOptions } from './kafka-options.js';
import { connectClient } from './connect-client.js';
import type { OauthBearerTokens } from './oauthbearer.js';

export class KafkaProducer implements BusProducer, BatchOwner {
  private client: rdkafka.Producer | undefined;
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private ready = false;
  /** Value bytes handed to librdkafka and not yet reported (delivered or failed). */
  private queued = 0;
  /** Batches with messages awaiting a delivery report. */
  private readonly unconfirmed = new Set<KafkaBatch>();
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  /**
   * Bumped on every "brokers down" signal. A probe that started before the latest bump cannot
   * turn readiness back on: its answer may predate the outage.
   */
  private outages = 0;

  constructor(
    private readonly config: KafkaConfig,
    private readonly telemetry: ComponentTelemetry,
    private readonly onClosed: (producer: KafkaProducer) => void,
    /** With SASL/OAUTHBEARER: the bus's tokens, set on the client before it connects and on every refresh. */
    private readonly tokens?: OauthBearerTokens,
  ) {}

  connect(): Promise<void> {
    if (this.closing !== undefined) return Promise.reject(closedError('producer'));
    if (this.connecting === undefined) {
      const connecting = this.openClient();
      // A failed connect can be tried again.
      connecting.catch(() => {
        if (this.connecting === connecting) this.connecting = undefined;
      });
      this.connecting = connecting;
    }
    return this.connecting;
  }

  isReady(): boolean {
    return this.ready;
  }

  batch(): ProduceBatch {
    return new KafkaBatch(this);
  }

  queuedBytes(): number {
    return this.queued;
  }

  /**
   * Resolves when every queued byte is confirmed or `timeout_ms` passed. librdkafka's own flush
   * is not enough on its own: measured on the mock cluster, `flush(15000)` returned after 146 ms
   * with 64 MB still unconfirmed. So wait on our accounting, which only delivery reports lower,
   * nudging librdkafka with short flushes meanwhile.
   */
  async flush(timeout_ms: number): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    for (;;) {
      const client = this.client;
      const remaining = deadline - Date.now();
      if (this.queued === 0 || remaining <= 0 || client === undefined || !client.isConnected()) return;
      await new Promise<void>((resolve) => client.flush(Math.min(remaining, 100), () => resolve()));
      // Delivery reports reach JS through an async hop after librdkafka's flush.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  enqueue(batch: KafkaBatch, topic: string, key: string | null, value: Buffer): boolean {
    const client = this.client;
    if (client === undefined || !this.ready || this.closing !== undefined) return false;
    try {
      client.produce(topic, null, value, key, null, batch);
    } catch (error) {
      if ((error as LibrdKafkaError).code === CODES.queueFull) return false;
      if (!client.isConnected()) return false;
      throw busError('ERR_BUS_REJECTED', `message refused by the producer (topic ${topic}, ${value.length} bytes): ${messageOf(error)}`, error);
    }
    this.queued += value.length;
    return true;
  }

  track(batch: KafkaBatch): void {
    this.unconfirmed.add(batch);
  }

  untrack(batch: KafkaBatch): void {
    this.unconfirmed.delete(batch);
  }

  confirmed(count: number): void {
    this.telemetry.metrics.sent(count);
  }

  private async openClient(): Promise<void> {
    const { global, topic } = producerOptions(this.config);
    let client: rdkafka.Producer;
    try {
      client = new rdkafka.Producer(global, topic);
    } catch (error) {
      throw connectError(this.config.brokers, error);
    }
    client.on('delivery-report', this.onDeliveryReport);
    client.on('event.error', this.onClientError);
    client.on('disconnected', () => this.setReady(false, 'disconnected'));
    await connectClient(client, this.tokens, this.config);
    client.setPollInterval(PRODUCER_POLL_INTERVAL_MS);
    this.client = client;
    if (this.closing !== undefined) return;
    this.setReady(true, 'connected');
    this.scheduleProbe(this.config.health_interval_ms);
  }

  private readonly onDeliveryReport = (error: LibrdKafkaError | null | undefined, report: DeliveryReport): void => {
    this.queued -= report.size;
    const batch = report.opaque as KafkaBatch;
    batch.reported(error ? deliveryError(`delivery to ${report.topic}/${report.partition} failed: ${error.message}`, error) : undefined);
  };

  private readonly onClientError = (error: LibrdKafkaError): void => {
    // node-rdkafka hands client errors over with code -1 and librdkafka's text, so match both.
    const message = error.message ?? '';
    if (error.code === CODES.allBrokersDown || /all broker connections are down/i.test(message)) {
      this.outages += 1;
      this.setReady(false, message);
    } else if (error.code === CODES.transport || /transport failure/i.test(message)) {
      // Check now rather than at the next period; while not ready the periodic probe suffices.
      if (this.ready) this.scheduleProbe(0);
    } else {
      this.telemetry.log.warn({ err: error }, 'kafka producer error');
    }
    this.telemetry.log.debug({ err: error }, 'kafka producer client error');
  };

  private scheduleProbe(delay_ms: number): void {
    if (this.closing !== undefined || this.probing) return;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(this.probe, delay_ms);
    this.probeTimer.unref();
  }

  private readonly probe = (): void => {
    this.probeTimer = undefined;
    const client = this.client;
    if (client === undefined || this.closing !== undefined) return;
    this.probing = true;
    const outagesAtStart = this.outages;
    const timeout = this.config.health_interval_ms;
    client.getMetadata({ allTopics: false, timeout }, (error) => {
      this.probing = false;
      if (error) this.setReady(false, `metadata probe failed: ${error.message}`);
      else if (this.outages === outagesAtStart) this.setReady(true, 'metadata probe succeeded');
      this.telemetry.metrics.gauge(METRIC.busQueuedBytes, this.queued);
      this.scheduleProbe(this.config.health_interval_ms);
    });
  };

  private setReady(ready: boolean, reason: string): void {
    if (this.ready === ready) return;
    this.ready = ready;
    if (ready) this.telemetry.log.info({ brokers: this.config.brokers, reason }, 'kafka producer ready');
    else this.telemetry.fail(busError('ERR_BUS_UNAVAILABLE', `kafka unavailable: ${reason}`), 'kafka producer not ready: sends are refused until a metadata probe succeeds');
  }

  private async shutdown(): Promise<void> {
    this.ready = false;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    if (client !== undefined && client.isConnected()) {
      await this.flush(this.config.delivery_timeout_ms);
      await new Promise<void>((resolve) => client.disconnect(1_000, () => resolve()));
    }
    if (client !== undefined) this.tokens?.detach(client);
    for (const batch of [...this.unconfirmed]) batch.abandon(deliveryError('producer closed before every message of the batch was confirmed'));
    this.queued = 0;
    this.onClosed(this);
  }
}
