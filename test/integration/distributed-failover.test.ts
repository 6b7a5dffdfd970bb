// Distributed failover with real worker processes: `kill -9` of the worker running a FileStreamSource task
// moves the connector and its task to a survivor within scheduled.rebalance.max.delay.ms + session timeout,
// no line of the file is lost across the kill (source offsets live in the offsets topic), and the killed
// worker, restarted on the same URL, rejoins the group.
import { test, before, after } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { startKafka, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir } from '../helpers/connect.js';
import { runFailoverScenario } from '../helpers/distributed-failover.js';

let kafka: KafkaHarness;
let bootstrap: string;
const tmp = tempDir('ferry-failover-');
const children = new Set<ChildProcess>();

before(async () => {
  kafka = await startKafka({ clusters: ['connect'] });
  bootstrap = kafka.clusters[0]!.bootstrap;
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await kafka?.stop();
  tmp.cleanup();
});

test('kill -9 of the worker running a task: the task moves, no line is lost, the worker rejoins', async () => {
  await runFailoverScenario({ workerBootstrap: bootstrap, checkBootstrap: bootstrap, dir: tmp.dir, children });
});
