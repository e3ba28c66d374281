// bullmq_jobs.js PORT [cluster] -- a bullmq job queue on Keel, as an application runs one: a
// worker doubles 30 jobs (their results reach QueueEvents listeners), a delayed job runs after
// its delay, a job that throws is retried and ends failed after its attempts, and the queue's
// counts agree.  With "cluster", the connection is ioredis's Cluster client and the queue's keys
// share one {tag}, as bullmq requires there.  Prints {"ok": true, ...} on success.
const Redis = require('ioredis');
const { Queue, Worker, QueueEvents } = require('bullmq');

const port = Number(process.argv[2]);
const clustered = process.argv[3] === 'cluster';
const connect = () => clustered
  ? new Redis.Cluster([{ host: '127.0.0.1', port }], { redisOptions: { maxRetriesPerRequest: null } })
  : new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
const opts = () => ({ connection: connect(), prefix: clustered ? '{bull}' : 'bull' });

(async () => {
  const queue = new Queue('jobs', opts());
  const events = new QueueEvents('jobs', opts());
  await events.waitUntilReady();
  const worker = new Worker('jobs', async job => {
    if (job.name === 'broken') throw new Error('always fails');
    return job.data.x * 2;
  }, opts());
  const finished = [];
  for (let i = 0; i < 30; i++) {
    const job = await queue.add('double', { x: i });
    finished.push(job.waitUntilFinished(events, 60000));
  }
  const results = await Promise.all(finished);
  const added = Date.now();
  const delayed = await queue.add('double', { x: 50 }, { delay: 200 });
  const delayedResult = await delayed.waitUntilFinished(events, 60000);
  const waited = Date.now() - added;
  const broken = await queue.add('broken', {}, { attempts: 3, backoff: { type: 'fixed', delay: 10 } });
  let failure = '';
  try { await broken.waitUntilFinished(events, 60000); } catch (e) { failure = e.message; }
  const state = await (await queue.getJob(broken.id)).getState();
  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
  const attempts = (await queue.getJob(broken.id)).attemptsMade;
  await worker.close();
  await events.close();
  await queue.close();
  console.log(JSON.stringify({ ok: true, results, delayedResult, waited, failure, state, counts, attempts }));
  process.exit(0);
})().catch(e => { console.error('FAIL', e); process.exit(1); });
