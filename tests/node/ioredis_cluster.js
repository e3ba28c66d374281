// ioredis_cluster.js PORT... -- ioredis's Cluster client against Keel nodes in cluster mode:
// writes keys (each goes to the node owning its slot), reads them back, runs a pipeline and a
// MULTI on one {tag}, and prints {"ok": true, "keys": [...]} for test_node_clients.py to check
// where the keys landed.
const Redis = require('ioredis');

const ports = process.argv.slice(2).map(Number);
const cluster = new Redis.Cluster(ports.map(port => ({ host: '127.0.0.1', port })),
                                  { redisOptions: { connectTimeout: 60000, commandTimeout: 60000 } });

(async () => {
  const keys = [];
  for (let i = 0; i < 200; i++) {
    keys.push(`io:${i}`);
    await cluster.set(`io:${i}`, `v${i}`);
  }
  for (let i = 0; i < 200; i++) {
    const v = await cluster.get(`io:${i}`);
    if (v !== `v${i}`) throw new Error(`io:${i} read back ${v}`);
  }
  const tagged = await cluster.pipeline().set('{cart}:a', 1).incr('{cart}:b').mget('{cart}:a', '{cart}:b').exec();
  if (JSON.stringify(tagged.map(r => r[1])) !== JSON.stringify(['OK', 1, ['1', '1']]))
    throw new Error('pipeline ' + JSON.stringify(tagged));
  const tx = await cluster.multi().incr('{cart}:b').get('{cart}:b').exec();
  if (tx[1][1] !== '2') throw new Error('multi ' + JSON.stringify(tx));
  let crossslot = '';
  try { await cluster.mset('ioa', 1, 'iob', 2); } catch (e) { crossslot = e.message; }
  if (!/CROSSSLOT/.test(crossslot)) throw new Error('expected CROSSSLOT, got ' + crossslot);
  console.log(JSON.stringify({ ok: true, keys }));
  cluster.disconnect();
})().catch(e => { console.error('FAIL', e); cluster.disconnect(); process.exit(1); });
