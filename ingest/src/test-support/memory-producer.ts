/**
 * A BusProducer double for the refusal cases the embedded bus cannot be forced into on demand
 * (not ready, queue full after N messages, seal that fails or never resolves). Happy paths are
 * tested against the real EmbeddedBus.
 */
import type { BusProducer, ProduceBatch } from '@botsieve/core';
import { busError } from '@botsieve/bus';

export interface ProducedRecord {
  topic: string;
  key: string | null;
  value: Buffer;
}

export interface MemoryProducerOptions {
  ready?: boolean;
  /** Messages accepted in total before send() returns false. */
  capacity?: number;
  /** 'ok' resolves, 'fail' rejects, 'hang' never settles, 'manual' waits for `settleSeal`. */
  seal?: SealMode;
  /** send() throws (a bug in a bus client), for the paths that must survive one. */
  sendThrows?: boolean;
}

export type SealMode = 'ok' | 'fail' | 'hang' | 'manual';

export class MemoryProducer implements BusProducer {
  readonly records: ProducedRecord[] = [];
  ready: boolean;
  capacity: number;
  sealMode: SealMode;
  sendThrows: boolean;
  flushed = 0;
  /** Seals waiting in 'manual' mode, in the order they were called. */
  readonly pendingSeals: Array<{ size: number; resolve: () => void; reject: (error: Error) => void }> = [];

  constructor(options: MemoryProducerOptions = {}) {
    this.ready = options.ready ?? true;
    this.capacity = options.capacity ?? Number.POSITIVE_INFINITY;
    this.sealMode = options.seal ?? 'ok';
    this.sendThrows = options.sendThrows ?? false;
  }

  async connect(): Promise<void> {}

  isReady(): boolean {
    return this.ready;
  }

  batch(): ProduceBatch {
    const producer = this;
    let size = 0;
    return {
      send(topic, key, value) {
        if (producer.sendThrows) throw new Error('bus client bug');
        if (!producer.ready || producer.records.length >= producer.capacity) return false;
        producer.records.push({ topic, key, value });
        size++;
        return true;
      },
      get size() {
        return size;
      },
      seal() {
        if (producer.sealMode === 'ok') return Promise.resolve();
        if (producer.sealMode === 'fail') return Promise.reject(busError('ERR_BUS_DELIVERY', 'delivery failed'));
        if (producer.sealMode === 'hang') return new Promise<void>(() => {});
        return new Promise<void>((resolve, reject) => producer.pendingSeals.push({ size, resolve, reject }));
      },
    };
  }

  queuedBytes(): number {
    return 0;
  }

  async flush(): Promise<void> {
    this.flushed++;
  }

  async close(): Promise<void> {
    this.ready = false;
  }
}
