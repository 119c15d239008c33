/**
 * Waits until the replicas have the verdicts a batch wrote (Redis `WAIT`), so a master dying right
 * after it acknowledged a batch cannot take verdicts with it: Redis replicates asynchronously, and
 * without this a write acknowledged an instant before a failover can be missing on the promoted
 * replica.
 *
 * `WAIT n timeout` is per connection: it counts replicas that acknowledged every write sent on
 * that connection so far. ioredis keeps one connection per node and auto-pipelines the batch's
 * writes on it, so one WAIT per master after the batch covers all of them; a master that took no
 * writes answers at once. The number waited for is capped by the replicas each master has in the
 * slot map, so a master left without replicas by a failover does not stall the sink (its writes
 * are then as safe as Redis Cluster can make them until a replica rejoins).
 */
import type { Cluster } from 'ioredis';

/** Replicas per master (`host:port`), from the client's slot map (`[master, ...replicas]` per slot). */
export function replicasByMaster(cluster: Cluster): Map<string, number> {
  const replicas = new Map<string, number>();
  for (const owners of cluster.slots) {
    const master = owners?.[0];
    if (master === undefined) continue;
    const count = owners.length - 1;
    if ((replicas.get(master) ?? -1) < count) replicas.set(master, count);
  }
  return replicas;
}

/**
 * Sends `WAIT` to every master the client holds, in parallel. Returns the masters (`host:port`)
 * whose replicas did not confirm within `timeout_ms`; empty when every write is replicated.
 */
export async function waitForReplicas(cluster: Cluster, wanted: number, timeout_ms: number): Promise<string[]> {
  if (wanted <= 0) return [];
  const replicas = replicasByMaster(cluster);
  const short: string[] = [];
  await Promise.all(
    cluster.nodes('master').map(async (node) => {
      const key = `${node.options.host}:${node.options.port}`;
      const required = Math.min(wanted, replicas.get(key) ?? 0);
      if (required === 0) return;
      try {
        const acked = Number(await node.call('WAIT', required, timeout_ms));
        if (acked < required) short.push(key);
      } catch {
        short.push(key);
      }
    }),
  );
  return short;
}
