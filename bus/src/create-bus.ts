/**
 * The bus registry: a plain map from `bus.kind` to a factory. Nothing registers itself by
 * import side effect; a new kind is one more entry here.
 */
import type { Bus } from '@botsieve/core';
import type { Telemetry } from '@botsieve/runtime';
import type { BusConfig } from './config.js';
import { EmbeddedBus } from './embedded/index.js';
import { KafkaBus } from './kafka/index.js';

export type BusFactory = (config: BusConfig, telemetry: Telemetry) => Bus;

export const BUS_KINDS: Record<BusConfig['kind'], BusFactory> = {
  embedded: (config, telemetry) => new EmbeddedBus(config, telemetry),
  kafka: (config, telemetry) => new KafkaBus(config, telemetry),
};

/** Makes the bus `config.kind` names. Nothing connects until a producer or consumer starts. */
export function createBus(config: BusConfig, telemetry: Telemetry): Bus {
  return BUS_KINDS[config.kind](config, telemetry);
}
