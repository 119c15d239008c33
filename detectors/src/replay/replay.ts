/**
 * Replay: events from a file through the same Engine as production (stage `all`), in event time, with
 * the causal annotator beside it. The CLI parses lines, pushes events and prints.
 *
 * Measured: ~330k events/s through push() + JSON.stringify(annotation) on 500k synthetic events
 * (default config, 10% from 7 hot IPs, the rest a spray of distinct IPs), one core of the dev box.
 */
import type { RequestEvent, Verdict } from '@botsieve/core';
import { ClientExemption, type Telemetry } from '@botsieve/runtime';
import type { DetectConfig } from '../config.js';
import { Engine } from '../engine/engine.js';
import { Annotator, type Annotation } from './annotate.js';

export interface ReplayResult {
  /** Verdicts decided at this event (often the shared empty array: read only). */
  verdicts: Verdict[];
  /** What verdicts issued before this event would do to it. */
  annotation: Annotation;
}

export interface Replay {
  push(event: RequestEvent): ReplayResult;
  /** End of input: flushes every detector and returns what closing windows decided. */
  finish(): Verdict[];
  /** The engine (stats, state size). */
  readonly engine: Engine;
}

export function createReplay(config: DetectConfig, telemetry: Telemetry): Replay {
  // One exemption (configured safelist and crawler data) for the detectors and the annotator: what
  // the engine never learns from is exactly what the annotation never claims to block.
  const exemption = ClientExemption.fromSafelistConfig(config.safelist);
  const engine = new Engine(config, telemetry, { stage: 'all', crawlers: exemption.directory });
  const annotator = new Annotator({ retain_ms: config.allowed_lateness_ms, exemption });
  return {
    engine,
    push(event) {
      // Annotate before processing: the event that triggers a verdict is never covered by it.
      const annotation = annotator.annotate(event);
      const verdicts = engine.process(event);
      if (verdicts.length > 0) annotator.apply(verdicts);
      return { verdicts, annotation };
    },
    finish() {
      return engine.finish();
    },
  };
}
