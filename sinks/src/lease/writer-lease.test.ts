import test from 'ava';
import { Writable } from 'node:stream';
import { ManualClock, Telemetry } from '@botsieve/runtime';
import { renewIntervalMs, safetyMarginMs } from './config.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LEASE_METRIC, LeaseMetrics } from './metrics.js';
import { LocalLeaseTable, LocalWriterLease, type LeaseTiming } from './writer-lease.js';

const TTL = 15_000;
const TIMING: LeaseTiming = { ttl_ms: TTL, margin_ms: safetyMarginMs(TTL) };
const INTERVAL = renewIntervalMs(TTL);
const KEY = 'botsieve:lease:cloudflare:acct';

/** A lease whose store can be cut off (every operation throws, as when Redis is unreachable). */
class CutLease extends LocalWriterLease {
  down = false;

  protected override async setIfAbsent(token: string, ttl_ms: number) {
    if (this.down) throw new Error('connection refused');
    return super.setIfAbsent(token, ttl_ms);
  }

  protected override async extendIfHeld(token: string, ttl_ms: number) {
    if (this.down) throw new Error('connection refused');
    return super.extendIfHeld(token, ttl_ms);
  }
}

function pair(clock = new ManualClock(1_700_000_000_000)) {
  const table = new LocalLeaseTable();
  return { clock, table, a: new CutLease(KEY, 'pod-a/1', TIMING, clock, table), b: new CutLease(KEY, 'pod-b/1', TIMING, clock, table) };
}

/** A keeper whose log lines and metrics the test can read. */
function keeper(lease: LocalWriterLease, clock: ManualClock) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const telemetry = new Telemetry({ level: 'info', destination, processMetrics: false });
  const component = telemetry.component('sink.cloudflare-lists');
  const metrics = new LeaseMetrics(telemetry, component, 'sink.cloudflare-lists');
  const changes: boolean[] = [];
  const kept = new LeaseKeeper(lease, { telemetry: component, metrics, clock, interval_ms: INTERVAL });
  kept.onChange((held) => changes.push(held));
  return { kept, telemetry, lines, changes };
}

async function sample(telemetry: Telemetry, name: string, label = ''): Promise<number> {
  let total = 0;
  for (const line of (await telemetry.exposition()).split('\n')) if (line.startsWith(name) && line.includes(label)) total += Number(line.split(' ').pop());
  return total;
}

test('one holder at a time: the first acquires, the second sees who holds it', async (t) => {
  const { a, b } = pair();
  t.true(await a.acquire());
  t.false(await b.acquire());
  t.true(a.held());
  t.false(b.held());
  t.like(a.status(), { backend: 'local', key: KEY, held: true, holder: 'pod-a/1' });
  t.like(b.status(), { held: false, holder: 'pod-a/1', since: undefined });
});

test('a holder renewing every ttl/3 keeps the lease; its peer never gets it', async (t) => {
  const { clock, a, b } = pair();
  await a.acquire();
  const since = a.status().since;
  for (let round = 0; round < 30; round++) {
    clock.advance(INTERVAL);
    t.true(await a.renew());
    t.false(await b.acquire());
  }
  t.true(a.held());
  t.is(a.status().since, since, 'since: the acquisition, not the last renewal');
});

test('a holder that cannot renew stops before the store lets the lease go, and the peer takes over only then', async (t) => {
  const { clock, a, b } = pair();
  const acquired_at = clock.now();
  await a.acquire();
  // Renewals stop (crash, partition). The holder's own clock revokes at ttl − margin…
  clock.advance(TTL - TIMING.margin_ms - 1);
  t.true(a.held());
  clock.advance(1);
  t.false(a.held(), 'given up by the clock alone, no reply needed');
  const stopped_at = acquired_at + TTL - TIMING.margin_ms;
  // …while the store still holds it until ttl: no overlap.
  t.false(await b.acquire());
  clock.set(acquired_at + TTL - 1);
  t.false(await b.acquire());
  clock.set(acquired_at + TTL);
  t.true(await b.acquire());
  t.true((b.status().since as number) - stopped_at >= TIMING.margin_ms);
  // The old holder cannot renew or release the new holder's lease (compare-and-set on the token).
  t.false(await a.renew());
  await a.release();
  t.true(b.held());
  t.false(await a.acquire());
  t.is(a.status().holder, 'pod-b/1');
});

test('a grant counts from when it was asked for, not answered', async (t) => {
  const { clock, table } = pair();
  // A store that answers 4 s late: the holder's validity must still end before the store's expiry.
  class SlowLease extends LocalWriterLease {
    protected override async setIfAbsent(token: string, ttl_ms: number) {
      const answer = await super.setIfAbsent(token, ttl_ms);
      clock.advance(4_000);
      return answer;
    }
  }
  const slow = new SlowLease(KEY, 'pod-s/1', TIMING, clock, table);
  const asked_at = clock.now();
  t.true(await slow.acquire());
  t.is(slow.status().valid_until, asked_at + TTL - TIMING.margin_ms);
  t.true((table.entries.get(KEY)?.expires_at as number) >= (slow.status().valid_until as number) + TIMING.margin_ms);
});

test('release hands over at once', async (t) => {
  const { a, b } = pair();
  await a.acquire();
  await a.release();
  t.false(a.held());
  t.true(await b.acquire());
});

test('a holder whose view lapsed but whose token is still in the store gets it back, counted from now', async (t) => {
  const { clock, a, b } = pair();
  await a.acquire();
  clock.advance(TTL - TIMING.margin_ms);
  t.false(a.held());
  t.true(await a.acquire(), 'still ours in the store: extended');
  t.is(a.status().valid_until, clock.now() + TTL - TIMING.margin_ms);
  t.false(await b.acquire());
});

test('the keeper: acquire, renew, loss when the store fails, takeover by the peer; logged and counted once each', async (t) => {
  const { clock, a, b } = pair();
  const first = keeper(a, clock);
  const second = keeper(b, clock);
  await first.kept.start();
  await second.kept.start();
  t.true(first.kept.holding());
  t.false(second.kept.holding());
  t.deepEqual(first.changes, [true]);
  t.is(await sample(first.telemetry, LEASE_METRIC.held), 1);

  // The holder is cut off from the store from now on.
  a.down = true;
  let lost_at: number | undefined;
  let taken_at: number | undefined;
  for (let elapsed = 0; elapsed <= 2 * TTL; elapsed += 250) {
    clock.advance(250);
    if (elapsed % INTERVAL === 0) {
      await first.kept.tick();
      await second.kept.tick();
    }
    if (lost_at === undefined && !first.kept.holding()) lost_at = clock.now();
    if (taken_at === undefined && second.kept.holding()) taken_at = clock.now();
    t.false(first.kept.holding() && second.kept.holding(), 'never two holders');
  }
  t.truthy(lost_at);
  t.truthy(taken_at);
  t.true((taken_at as number) > (lost_at as number));
  t.deepEqual(first.changes, [true, false]);
  t.deepEqual(second.changes, [true]);
  t.is(await sample(first.telemetry, LEASE_METRIC.transitions, 'transition="lost"'), 1);
  t.is(await sample(first.telemetry, LEASE_METRIC.held), 0);
  t.is(await sample(first.telemetry, 'botsieve_errors_total', 'code="ERR_SINK_UNAVAILABLE"') > 0, true);
  t.is(first.lines.filter((line) => line.message === 'writer lease lost: this process stops writing (standby)').length, 1);
  t.is(second.lines.filter((line) => line.message === 'writer lease acquired: this process writes now').length, 1);

  // Closing the holder releases: the other takes over at its next tick.
  await second.kept.close();
  t.deepEqual(second.changes, [true, false]);
  t.is(await sample(second.telemetry, LEASE_METRIC.transitions, 'transition="released"'), 1);
  a.down = false;
  await first.kept.tick();
  t.true(first.kept.holding());
  await first.kept.close();
});
