// #14: a connector config over the broker's 1 MB record limit, POSTed to a distributed worker, is refused with
// a clear 4xx naming the limit (Java Connect answers 500 with a RecordTooLargeException), and the rejected
// write to the config topic does not poison the worker's idempotent producer: a normal create and a config
// change on the same worker then succeed, and the status and config topics keep working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { uniqueName } from '../helpers/kafka.js';
import { waitFor } from '../helpers/connect.js';
import { distributedProps, readTopic, rest, useDistributedKafka } from '../helpers/distributed.js';
import { startDistributed } from '../../src/app/distributed.js';

const env = useDistributedKafka('big', 'ferry-bigcfg-');
const { tmp, handles } = env;

type Status = { connector: { state: string }; tasks: Array<{ id: number; state: string }> };

test('a 1.2 MB connector config the broker refuses (MESSAGE_TOO_LARGE) is a 413 naming the limits; the same worker keeps working', async () => {
  const group = uniqueName('bigcfg');
  // max.request.size above the record, so the write reaches the broker and the broker refuses it: the case
  // that used to leave the config-topic producer's sequence advanced (#14).
  const worker = await startDistributed(distributedProps(env.bootstrap, group, { 'max.request.size': '4194304' }));
  handles.push(worker);
  const topic = uniqueName('bigcfg-in');

  const huge = { 'connector.class': 'FileStreamSink', file: join(tmp.dir, 'huge.txt'), topics: topic, 'ferry.test.padding': 'x'.repeat(1_200_000) };
  const t0 = Date.now();
  const refused = await rest(worker.url, 'POST', '/connectors', { name: 'huge', config: huge });
  const tookMs = Date.now() - t0;
  assert.equal(refused.status, 413, JSON.stringify(refused.body).slice(0, 400));
  const body = refused.body as { error_code: number; message: string };
  assert.equal(body.error_code, 413);
  assert.match(body.message, /^Connector configuration for 'huge' is too large to store in the config topic: its record is about 12\d{5} bytes, over the broker's message\.max\.bytes \(or the config topic's max\.message\.bytes\)\./);
  assert.match(body.message, /max\.request\.size on the workers/);
  assert.ok(tookMs < 30_000, `answered in ${tookMs} ms`);
  assert.equal((await rest(worker.url, 'GET', '/connectors/huge')).status, 404, 'nothing was stored');

  // The same worker (same config-topic producer) then creates a normal connector and changes its config.
  const cfg = { 'connector.class': 'FileStreamSink', file: join(tmp.dir, 'ok.txt'), topics: topic, 'tasks.max': '1' };
  const created = await rest(worker.url, 'POST', '/connectors', { name: 'ok', config: cfg });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await waitFor('ok RUNNING', async () => {
    const r = await rest(worker.url, 'GET', '/connectors/ok/status');
    const s = r.status === 200 ? r.body as Status : null;
    return s?.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING';
  }, 60_000);
  const changed = await rest(worker.url, 'PUT', '/connectors/ok/config', { ...cfg, 'tasks.max': '2' });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  await waitFor('ok with 2 tasks', async () => {
    const r = await rest(worker.url, 'GET', '/connectors/ok/status');
    const s = r.status === 200 ? r.body as Status : null;
    return s?.tasks.length === 2 && s.tasks.every((x) => x.state === 'RUNNING');
  }, 60_000);
  assert.equal(((await rest(worker.url, 'GET', '/connectors/ok/config')).body as Record<string, string>)['tasks.max'], '2');

  // The internal topics hold the new records: config (connector + task configs), status (RUNNING x2).
  const configs = await readTopic(env.bootstrap, `${group}-configs`);
  assert.ok(configs.some((r) => r.key === 'connector-ok' && (r.value ?? '').includes('"tasks.max":"2"')), 'the config change reached the config topic');
  assert.ok(!configs.some((r) => r.key === 'connector-huge'), 'no record of the refused config');
  // Its target state, written first, was taken back (a tombstone after the STARTED record).
  const hugeState = configs.filter((r) => r.key === 'target-state-huge');
  assert.equal(hugeState.at(-1)?.value ?? null, null, 'the refused connector left no live target state');
  const statuses = await readTopic(env.bootstrap, `${group}-status`);
  assert.ok(statuses.some((r) => r.key === 'status-task-ok-1' && (r.value ?? '').includes('RUNNING')), 'the status topic took the new task status');

  // A second oversized request is refused the same way, and the worker still works after it.
  const again = await rest(worker.url, 'PUT', '/connectors/ok/config', { ...cfg, 'ferry.test.padding': 'y'.repeat(1_200_000) });
  assert.equal(again.status, 413, JSON.stringify(again.body).slice(0, 300));
  assert.equal(((await rest(worker.url, 'GET', '/connectors/ok/config')).body as Record<string, string>)['ferry.test.padding'], undefined);
  const paused = await rest(worker.url, 'PUT', '/connectors/ok/pause');
  assert.equal(paused.status, 202);
  await waitFor('ok PAUSED', async () => ((await rest(worker.url, 'GET', '/connectors/ok/status')).body as Status).connector.state === 'PAUSED', 30_000);
});

test('a connector config over the worker\'s max.request.size is refused up front with 413, nothing written', async () => {
  const group = uniqueName('bigpre');
  const worker = await startDistributed(distributedProps(env.bootstrap, group));
  handles.push(worker);
  const t0 = Date.now();
  const r = await rest(worker.url, 'POST', '/connectors', { name: 'huge2', config: {
    'connector.class': 'FileStreamSink', file: join(tmp.dir, 'huge2.txt'), topics: 'bigpre-in', 'ferry.test.padding': 'z'.repeat(1_200_000),
  } });
  assert.equal(r.status, 413, JSON.stringify(r.body).slice(0, 400));
  assert.match((r.body as { message: string }).message, /^Connector configuration for 'huge2' is too large to store in the config topic: its record is about 12\d{5} bytes, over this worker's max\.request\.size \(1048576 bytes\)\./);
  const records = await readTopic(env.bootstrap, `${group}-configs`);
  assert.ok(!records.some((x) => x.key === 'connector-huge2' || x.key === 'target-state-huge2'), 'nothing written for the refused connector');
  const ok = await rest(worker.url, 'POST', '/connectors', { name: 'small', config: { 'connector.class': 'FileStreamSink', file: join(tmp.dir, 'small.txt'), topics: 'bigpre-in' } });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  console.log(`up-front refusal answered in ${Date.now() - t0} ms (with the follow-up create)`);
});
