import test from 'ava';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { parseClusterNodes, startRedisCluster } from './redis-cluster.js';

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test.serial('a cluster starts healthy with its masters and replicas, and stop() leaves nothing behind', async (t) => {
  const cluster = await startRedisCluster({ masters: 3, replicas_per_master: 1 });
  t.teardown(() => cluster.stop());
  t.is(cluster.nodes.length, 6);
  t.deepEqual(cluster.startupNodes, cluster.nodes.map((node) => `${node.host}:${node.port}`));
  const masters = await cluster.masters();
  const replicas = await cluster.replicas();
  t.is(masters.length, 3);
  t.is(replicas.length, 3);
  t.is(masters.reduce((sum, master) => sum + master.slots, 0), 16_384);
  t.true(replicas.every((replica) => masters.some((master) => master.id === replica.master_id)));
  const owner = (await cluster.slotRanges()).find((range) => range.from <= 15_495 && 15_495 <= range.to);
  t.is((await cluster.masterOf('{a}')).port, owner?.master.port ?? -1, 'slot of "a" is 15495');
  const dirs = (await cluster.command(masters[0]!, 'CONFIG', 'GET', 'dir')) as string[];
  await cluster.stop();
  for (const node of cluster.nodes) {
    t.false(cluster.isAlive(node));
    t.false(await accepts(node.port), `port ${node.port} closed`);
  }
  t.false(existsSync(dirs[1]!), 'temp dir removed');
});

test.serial('without redis-server the error says what to install', async (t) => {
  const path = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    await t.throwsAsync(startRedisCluster(), { message: /apt-get install redis-server redis-tools/ });
  } finally {
    process.env.PATH = path;
  }
});

test('CLUSTER NODES parsing', (t) => {
  const text = [
    '07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host1 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected',
    'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 5462 [5461->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]',
    '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master,fail - 1426238316232 1426238316232 3 connected',
  ].join('\n');
  t.deepEqual(parseClusterNodes(text), [
    { id: '07c37dfeb235213a872192d90877d0cd55635b91', host: '127.0.0.1', port: 30004, role: 'replica', master_id: 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca', slots: 0, failed: false },
    { id: 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca', host: '127.0.0.1', port: 30001, role: 'master', master_id: '', slots: 5462, failed: false },
    { id: '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f', host: '127.0.0.1', port: 30003, role: 'master', master_id: '', slots: 0, failed: true },
  ]);
});
