/**
 * A real Kafka-protocol cluster on loopback for tests: librdkafka's mock cluster (3 brokers),
 * hosted by Debian's `kcat` (`apt-get install kcat`). Topics are created on first metadata
 * request with 4 partitions. A consumer group's first join takes ~3 s (the mock's initial
 * rebalance delay), so share one cluster per test file and use random topic and group names.
 *
 * Consumers should use MOCK_KAFKA_EXTRA (as `kafka.extra`): the mock holds a group's rebalance
 * for the session timeout minus 1 s when a member joins a group that was just left, i.e. 44 s
 * with librdkafka's default session.timeout.ms; 6 s keeps that wait at 5 s.
 *
 * The kcat process must never outlive the test process: it runs under `setpriv --pdeathsig
 * SIGKILL` when util-linux provides it (the kernel kills it whatever way we die), and is also
 * killed from an 'exit' hook. Its stderr (the mock's debug log) is drained for as long as it
 * runs, because a full pipe would block the mock's threads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { delimiter, join } from 'node:path';

export interface MockKafka {
  /** Bootstrap servers, comma-separated, for `kafka.brokers`. */
  readonly brokers: string;
  /** Kills the cluster (SIGKILL) and waits for the process to exit. */
  stop(): Promise<void>;
  /**
   * Freezes every broker (SIGSTOP): connections stay open and nothing answers, as in a network
   * partition or a stalled broker. `resume()` thaws them with their data intact.
   */
  pause(): void;
  resume(): void;
}

export interface MockKafkaOptions {
  /** How long to wait for the cluster to report its address. */
  startup_timeout_ms?: number;
}

/** librdkafka properties for clients of the mock cluster (see above). */
export const MOCK_KAFKA_EXTRA: Readonly<Record<string, number>> = { 'session.timeout.ms': 6_000, 'heartbeat.interval.ms': 500 };

const BOOTSTRAP = /bootstrap\.servers=(\S+)/;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startMockKafka(options: MockKafkaOptions = {}): Promise<MockKafka> {
  const kcat = findExecutable('kcat');
  if (kcat === undefined) throw new Error('startMockKafka needs kcat on PATH (Debian/Ubuntu: apt-get install kcat)');
  const setpriv = findExecutable('setpriv');
  const kcatArgs = ['-X', 'test.mock.num.brokers=3', '-X', 'debug=mock', '-b', 'x:1', '-C', '-t', `mock-probe-${randomBytes(4).toString('hex')}`];
  const child = setpriv === undefined
    ? spawn(kcat, kcatArgs, { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(setpriv, ['--pdeathsig', 'SIGKILL', kcat, ...kcatArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
  track(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const brokers = await readBrokers(child, options.startup_timeout_ms ?? 10_000);
    return {
      brokers,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.ref(); // keep the loop alive until the exit is seen
          child.kill('SIGKILL');
        }
        await exited;
      },
      // setpriv execs kcat, so the child's pid is the mock cluster's.
      pause() {
        child.kill('SIGSTOP');
      },
      resume() {
        child.kill('SIGCONT');
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

function readBrokers(child: ChildProcess, timeout_ms: number): Promise<string> {
  const stderr = child.stderr;
  if (stderr === null) return Promise.reject(new Error('kcat stderr is not a pipe'));
  stderr.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let seen = '';
    const finish = (error: Error | undefined, brokers?: string) => {
      clearTimeout(timer);
      stderr.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      // Keep draining (and discarding) the debug log for the cluster's whole life.
      stderr.on('data', () => {});
      if (error !== undefined) reject(error);
      else resolve(brokers as string);
    };
    const onData = (chunk: string) => {
      seen = (seen + chunk).slice(-16_384);
      const match = BOOTSTRAP.exec(seen);
      if (match !== null) finish(undefined, match[1] as string);
    };
    const onExit = (code: number | null, signal: string | null) => finish(new Error(`kcat exited (${signal ?? code}) before the mock cluster started:\n${seen.slice(-2_000)}`));
    const onError = (error: Error) => finish(new Error(`cannot run kcat: ${error.message}`));
    const timer = setTimeout(() => finish(new Error(`mock cluster did not start within ${timeout_ms} ms:\n${seen.slice(-2_000)}`)), timeout_ms);
    stderr.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  // Never keep the test process alive on its own; stop() or the exit hook ends it.
  child.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function findExecutable(name: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
