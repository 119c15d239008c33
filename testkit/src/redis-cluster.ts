/**
 * A real Redis Cluster for tests and benchmarks: Debian's `redis-server` processes on free
 * loopback ports, each in its own temp directory, joined with `redis-cli --cluster create`.
 *
 *     const cluster = await startRedisCluster();            // 3 masters + 3 replicas
 *     config.nodes = cluster.startupNodes;                   // ['127.0.0.1:41234', …]
 *     const killed = await cluster.killMaster(0);            // SIGKILL, like a crashed host
 *     await cluster.waitHealthy();                           // until a replica took over
 *     await cluster.stop();
 *
 * Nodes run with `--cluster-node-timeout` (1 s by default) and `--cluster-replica-validity-factor 0`,
 * so a replica always stands for election and a failover takes about two node timeouts. Nothing is
 * persisted (`--save '' --appendonly no`), and `--repl-diskless-sync-delay 0` lets replicas sync
 * at once instead of after Redis's default 5 s (start-up: ~2 s instead of ~6 s for six nodes).
 * `--repl-ping-replica-period 1` moves replication offsets within a second: Redis 7 leaves a
 * replica at offset 0 out of `CLUSTER SLOTS`, so clients would not see (or read from) replicas
 * of an empty cluster until the first write or the default 10 s ping.
 *
 * A process `exit` hook kills every server still running, so a test that throws or exits early
 * leaves no strays (a worker killed by a signal skips `exit` hooks: call `stop()` in teardown).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const execFileAsync = promisify(execFile);
const HOST = '127.0.0.1';
/** Cluster bus port offset Redis uses (`port + 10000`). */
const BUS_PORT_OFFSET = 10_000;
const SLOTS = 16_384;

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** One node as the cluster sees it (`CLUSTER NODES`). */
export interface RedisClusterNodeView extends RedisNodeAddress {
  id: string;
  role: 'master' | 'replica';
  /** For a replica, the id of its master; '' for a master. */
  master_id: string;
  /** Number of hash slots the node serves (masters only). */
  slots: number;
  /** True when the cluster flagged the node as failed (`fail` or `fail?`). */
  failed: boolean;
}

export interface RedisSlotRange {
  from: number;
  to: number;
  master: RedisNodeAddress;
}

export interface StartRedisClusterOptions {
  masters?: number;
  replicas_per_master?: number;
  node_timeout_ms?: number;
  /** Longest wait for the cluster to form and report `cluster_state:ok`. */
  startup_timeout_ms?: number;
}

export interface TestRedisCluster {
  /** Every node started, in start order, including killed ones. */
  readonly nodes: readonly RedisNodeAddress[];
  /** `host:port` of every node, the form the sink's `nodes` config takes. */
  readonly startupNodes: readonly string[];
  /** Live masters serving slots, by port. */
  masters(): Promise<RedisClusterNodeView[]>;
  /** Live replicas, by port. */
  replicas(): Promise<RedisClusterNodeView[]>;
  /** The cluster's view of every node, asked of one live node. */
  topology(): Promise<RedisClusterNodeView[]>;
  /** Which master serves which slots, per `CLUSTER SLOTS` of one live node. */
  slotRanges(): Promise<RedisSlotRange[]>;
  /** The master serving `key` (its hash slot, see `keySlot`). */
  masterOf(key: string): Promise<RedisNodeAddress>;
  /** Kills a master with SIGKILL: the index in `masters()` or its address. Resolves once the process is gone. */
  killMaster(which: number | RedisNodeAddress): Promise<RedisNodeAddress>;
  /** True while the node's process runs. */
  isAlive(node: RedisNodeAddress): boolean;
  /**
   * Waits until every live node reports `cluster_state:ok` with all slots covered, every slot is
   * served by a live master, every live replica's replication link is up and every node lists
   * every live replica in `CLUSTER SLOTS` (what clients route reads by).
   */
  waitHealthy(timeout_ms?: number): Promise<void>;
  /** Runs one command on one node over a short-lived connection. */
  command(node: RedisNodeAddress, ...args: (string | number)[]): Promise<unknown>;
  /** Kills every process and removes the temp directories. Idempotent. */
  stop(): Promise<void>;
}

interface RunningNode extends RedisNodeAddress {
  dir: string;
  process: ChildProcess;
  alive: boolean;
  exited: Promise<void>;
}

/** Every node of every cluster this process started, for the exit hook. */
const everyNode = new Set<RunningNode>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const node of everyNode) {
      if (node.alive) node.process.kill('SIGKILL');
      rmSync(node.dir, { recursive: true, force: true });
    }
  });
}

export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<TestRedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas_per_master ?? 1;
  const nodeTimeout = options.node_timeout_ms ?? 1_000;
  if (masters < 3) throw new Error('Redis Cluster needs at least 3 masters');
  await requireBinaries();
  installExitHook();
  const ports = await freePorts(masters * (1 + replicas));
  const running = ports.map((port) => startNode(port, nodeTimeout));
  const cluster = new Cluster(running);
  try {
    await Promise.all(running.map((node) => cluster.waitAnswering(node, 10_000)));
    await execFileAsync('redis-cli', ['--cluster', 'create', ...running.map((node) => `${node.host}:${node.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 30_000 });
    await cluster.waitHealthy(options.startup_timeout_ms ?? 30_000);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

class Cluster implements TestRedisCluster {
  readonly nodes: readonly RedisNodeAddress[];
  readonly startupNodes: readonly string[];
  private stopped = false;

  constructor(private readonly running: readonly RunningNode[]) {
    this.nodes = running.map((node) => ({ host: node.host, port: node.port }));
    this.startupNodes = running.map((node) => `${node.host}:${node.port}`);
  }

  async topology(): Promise<RedisClusterNodeView[]> {
    let lastError: unknown = new Error('no live node');
    for (const node of this.running) {
      if (!node.alive) continue;
      try {
        return parseClusterNodes(String(await this.command(node, 'CLUSTER', 'NODES')));
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  }

  async masters(): Promise<RedisClusterNodeView[]> {
    return (await this.topology()).filter((node) => node.role === 'master' && node.slots > 0 && !node.failed && this.isAlive(node)).sort(byPort);
  }

  async replicas(): Promise<RedisClusterNodeView[]> {
    return (await this.topology()).filter((node) => node.role === 'replica' && !node.failed && this.isAlive(node)).sort(byPort);
  }

  async slotRanges(): Promise<RedisSlotRange[]> {
    const live = this.running.find((node) => node.alive);
    if (live === undefined) throw new Error('no live node');
    const reply = (await this.command(live, 'CLUSTER', 'SLOTS')) as [number, number, [string, number, ...unknown[]], ...unknown[]][];
    return reply.map(([from, to, [host, port]]) => ({ from, to, master: { host, port: Number(port) } })).sort((a, b) => a.from - b.from);
  }

  async masterOf(key: string): Promise<RedisNodeAddress> {
    const slot = keySlot(key);
    const range = (await this.slotRanges()).find((candidate) => candidate.from <= slot && slot <= candidate.to);
    if (range === undefined) throw new Error(`slot ${slot} is not served`);
    return range.master;
  }

  isAlive(address: RedisNodeAddress): boolean {
    return this.running.some((node) => node.port === address.port && node.host === address.host && node.alive);
  }

  async killMaster(which: number | RedisNodeAddress): Promise<RedisNodeAddress> {
    let target: RedisNodeAddress | undefined;
    if (typeof which === 'number') target = (await this.masters())[which];
    else target = which;
    const node = this.running.find((candidate) => candidate.port === target?.port && candidate.host === target?.host);
    if (node === undefined || !node.alive) throw new Error(`no live master ${JSON.stringify(which)}`);
    node.process.kill('SIGKILL');
    await node.exited;
    return { host: node.host, port: node.port };
  }

  async waitHealthy(timeout_ms = 30_000): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    let reason = 'not checked yet';
    for (;;) {
      reason = await this.unhealthyReason().catch((error: unknown) => String(error));
      if (reason === '') return;
      if (Date.now() > deadline) throw new Error(`Redis Cluster not healthy after ${timeout_ms} ms: ${reason}`);
      await sleep(50);
    }
  }

  async command(address: RedisNodeAddress, ...args: (string | number)[]): Promise<unknown> {
    const client = new Redis({ host: address.host, port: address.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1_000, commandTimeout: 2_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      return await client.call(String(args[0]), ...args.slice(1).map(String));
    } finally {
      client.disconnect();
    }
  }

  async waitAnswering(node: RunningNode, timeout_ms: number): Promise<void> {
    const deadline = Date.now() + timeout_ms;
    for (;;) {
      if (!node.alive) throw new Error(`redis-server on port ${node.port} exited during start-up; see ${node.dir}/redis.log`);
      try {
        if ((await this.command(node, 'PING')) === 'PONG') return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const node of this.running) if (node.alive) node.process.kill('SIGKILL');
    await Promise.all(this.running.map((node) => node.exited));
    for (const node of this.running) {
      rmSync(node.dir, { recursive: true, force: true });
      everyNode.delete(node);
    }
  }

  /** '' when healthy, else what is missing. */
  private async unhealthyReason(): Promise<string> {
    const live = this.running.filter((node) => node.alive);
    for (const node of live) {
      const info = parseInfo(String(await this.command(node, 'CLUSTER', 'INFO')));
      if (info.get('cluster_state') !== 'ok') return `${node.port}: cluster_state ${info.get('cluster_state')}`;
      if (info.get('cluster_slots_ok') !== String(SLOTS)) return `${node.port}: cluster_slots_ok ${info.get('cluster_slots_ok')}`;
      const view = parseClusterNodes(String(await this.command(node, 'CLUSTER', 'NODES')));
      let served = 0;
      for (const peer of view) {
        if (peer.role !== 'master' || peer.slots === 0) continue;
        if (peer.failed || !this.isAlive(peer)) return `${node.port} still routes ${peer.slots} slots to dead master ${peer.port}`;
        served += peer.slots;
      }
      if (served !== SLOTS) return `${node.port} sees ${served} slots served`;
      const liveReplicas = view.filter((peer) => peer.role === 'replica' && !peer.failed && this.isAlive(peer)).length;
      const slots = (await this.command(node, 'CLUSTER', 'SLOTS')) as unknown[][];
      const listed = new Set(slots.flatMap((range) => range.slice(3).map((replica) => String((replica as unknown[])[1]))));
      if (listed.size !== liveReplicas) return `${node.port} lists ${listed.size} of ${liveReplicas} replicas in CLUSTER SLOTS`;
      const self = view.find((peer) => peer.port === node.port);
      if (self?.role === 'replica') {
        const replication = parseInfo(String(await this.command(node, 'INFO', 'replication')));
        if (replication.get('master_link_status') !== 'up') return `replica ${node.port}: master link ${replication.get('master_link_status')}`;
      }
    }
    return '';
  }
}

function startNode(port: number, nodeTimeout: number): RunningNode {
  const dir = mkdtempSync(join(tmpdir(), `botsieve-redis-${port}-`));
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', HOST, '--protected-mode', 'no', '--dir', dir, '--logfile', join(dir, 'redis.log'),
    '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-node-timeout', String(nodeTimeout),
    '--cluster-replica-validity-factor', '0', '--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '1', '--save', '', '--appendonly', 'no', '--daemonize', 'no',
  ], { stdio: 'ignore' });
  const node: RunningNode = { host: HOST, port, dir, process: child, alive: true, exited: Promise.resolve() };
  node.exited = new Promise((resolve) => {
    child.once('exit', () => {
      node.alive = false;
      resolve();
    });
    child.once('error', () => {
      node.alive = false;
      resolve();
    });
  });
  everyNode.add(node);
  return node;
}

async function requireBinaries(): Promise<void> {
  for (const binary of ['redis-server', 'redis-cli']) {
    try {
      await execFileAsync(binary, ['--version'], { timeout: 10_000 });
    } catch (cause) {
      throw new Error(`${binary} is not installed: run \`apt-get install redis-server redis-tools\` to run the Redis Cluster tests`, { cause });
    }
  }
}

/**
 * Ports free on loopback whose cluster bus port (`port + 10000`) is free too. Ports come from
 * the kernel (listen on 0), then both are bound to prove them free and released together;
 * the servers start right after, so the race with other processes is short.
 */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await listenAndClose(0);
    if (port + BUS_PORT_OFFSET > 65_535 || ports.includes(port) || ports.includes(port + BUS_PORT_OFFSET) || ports.some((other) => other + BUS_PORT_OFFSET === port)) continue;
    const bus = await listenAndClose(port + BUS_PORT_OFFSET).catch(() => -1);
    if (bus === -1) continue;
    ports.push(port);
  }
  return ports;
}

function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, HOST, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : -1;
      server.close(() => resolve(bound));
    });
  });
}

/** Parses `CLUSTER NODES`: `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>…`. */
export function parseClusterNodes(text: string): RedisClusterNodeView[] {
  const nodes: RedisClusterNodeView[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const [id = '', address = '', flagText = '', master = '-'] = fields;
    const hostPort = address.split('@')[0] ?? '';
    const colon = hostPort.lastIndexOf(':');
    const flags = flagText.split(',');
    let slots = 0;
    for (const range of fields.slice(8)) {
      if (range.startsWith('[')) continue; // slot being migrated
      const [from, to] = range.split('-').map(Number);
      if (from !== undefined) slots += (to ?? from) - from + 1;
    }
    nodes.push({
      id,
      host: hostPort.slice(0, colon),
      port: Number(hostPort.slice(colon + 1)),
      role: flags.includes('master') ? 'master' : 'replica',
      master_id: master === '-' ? '' : master,
      slots,
      failed: flags.includes('fail') || flags.includes('fail?'),
    });
  }
  return nodes;
}

/** The hash slot of a key (CRC16/XMODEM of the key or its `{hash tag}`, mod 16384), as Redis computes it. */
export function keySlot(key: string): number {
  let bytes = Buffer.from(key);
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % SLOTS;
}

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

function byPort(a: RedisNodeAddress, b: RedisNodeAddress): number {
  return a.port - b.port;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
