// Multi-host dedicated mode: three `connect-mirror-maker` nodes, each with `dedicated.mode.enable.internal.rest =
// true` and its process listener on its own loopback address (127.0.0.2, .3, .4 stand for three hosts). As in MM2
// (KIP-710), that listener is a node's only one: it serves each flow's inter-worker endpoints under
// /{source}/{target}, and each flow advertises the listener's URL plus that path, so the nodes reach each other
// (task configs to the leader, fencing requests). The flow's tasks spread over the three; a follower forwards a
// request to the leader's flow path; after kill -9 of a node holding mirror tasks, its tasks run on the two others
// and no record is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { waitFor } from '../helpers/connect.js';
import {
  analyseCopy, createTopics, partitionFingerprints, produceMixed, spawnMirrorMaker, useMirrorProcesses, writeMm2Properties,
} from '../helpers/mirror.js';
import { readTopic } from '../helpers/distributed.js';
import { sleep } from '../../src/backoff.js';

const PARTITIONS = 6;
const HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];

const { kafka, tmp, children } = useMirrorProcesses('ferry-multi-host-');

const log = (m: string) => process.stderr.write(`# ${m}\n`);

/** The latest status of every MirrorSourceConnector task, from the flow's status topic on the target. */
async function sourceTaskHosts(bootstrap: string): Promise<Map<number, { state: string; host: string; workerId: string }>> {
  const out = new Map<number, { state: string; host: string; workerId: string }>();
  for (const r of await readTopic(bootstrap, 'mm2-status.A.internal').catch(() => [])) {
    const m = /^status-task-MirrorSourceConnector-(\d+)$/.exec(r.key ?? '');
    if (!m) continue;
    if (r.value === null) { out.delete(Number(m[1])); continue; }
    const v = JSON.parse(r.value) as { state: string; worker_id: string };
    out.set(Number(m[1]), { state: v.state, host: v.worker_id.split(':')[0]!, workerId: v.worker_id });
  }
  return out;
}

/** The TCP sockets process `pid` listens on (from /proc: its socket fds matched against its net/tcp tables). */
function listeningSockets(pid: number): { host: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const m = /^socket:\[(\d+)\]$/.exec((() => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } })());
    if (m) inodes.add(m[1]!);
  }
  const out: { host: string; port: number }[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !inodes.has(f[9] ?? '')) continue;
      const [ip, port] = f[1]!.split(':') as [string, string];
      const host = ip.length === 8 ? [3, 2, 1, 0].map((i) => parseInt(ip.slice(i * 2, i * 2 + 2), 16)).join('.') : `[${ip}]`;
      out.push({ host, port: parseInt(port, 16) });
    }
  }
  return out;
}

/** An internal request as a flow's worker signs it: HMAC of the body with the flow's session key (config topic). */
async function signedHeaders(bootstrap: string, body: string): Promise<Record<string, string>> {
  const records = (await readTopic(bootstrap, 'mm2-configs.A.internal')).filter((r) => r.key === 'session-key' && r.value !== null);
  const key = JSON.parse(records.at(-1)!.value!) as { key: string };
  const signature = createHmac('sha256', Buffer.from(key.key, 'base64')).update(body, 'utf8').digest('base64');
  return { 'content-type': 'application/json', 'X-Connect-Authorization': signature, 'X-Connect-Request-Signature-Algorithm': 'HmacSHA256' };
}

test('three dedicated-mode nodes on 127.0.0.2-4 share the flow; kill -9 of one moves its tasks, nothing lost', { timeout: 240_000 }, async () => {
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = 'spread';
  await createTopics(a.props, [{ topic, partitions: PARTITIONS }]);
  const flow = {
    'A->B.enabled': 'true', 'A->B.topics': topic, 'B->A.emit.heartbeats.enabled': 'false', 'tasks.max': '3',
    'B.session.timeout.ms': '6000', 'B.heartbeat.interval.ms': '500', 'B.scheduled.rebalance.max.delay.ms': '0',
    'dedicated.mode.enable.internal.rest': 'true',
  };
  const files = HOSTS.map((host, i) => writeMm2Properties(tmp.dir, { A: a.bootstrap, B: b.bootstrap }, { ...flow, listeners: `http://${host}:0` }, `node-${i}.properties`));
  const nodes = files.map((f) => { const m = spawnMirrorMaker(f.path); children.add(m); return m; });

  let produced = 0;
  const producing = (async () => {
    for (let from = 0; from < 30_000; from += 500) {
      produced += await produceMixed(a.props, [topic], { run: topic, partitions: PARTITIONS, from, count: 500, batchSize: 500, concurrency: 1 });
      await sleep(150);
    }
  })();
  const explain = (e: Error) => new Error(`${e.message}\n${nodes.map((n, i) => `--- node ${HOSTS[i]} ---\n${n.output().slice(-2500)}`).join('\n')}`, { cause: e });
  try {
    // Tasks spread over the three hosts.
    const spread = await waitFor('the three mirror tasks on three hosts', async () => {
      const s = await sourceTaskHosts(b.bootstrap);
      const running = [...s.values()].filter((t) => t.state === 'RUNNING');
      return running.length === 3 && new Set(running.map((t) => t.host)).size === 3 ? s : null;
    }, 90_000, 500).catch((e: Error) => { throw explain(e); });
    log(`tasks: ${[...spread].map(([id, t]) => `${id}@${t.host}`).join(' ')}`);
    for (const t of spread.values()) assert.ok(HOSTS.includes(t.host), `worker ids advertise the node's own address (${t.host})`);
    // One listener a node: the process listener, on the node's address, which every flow's worker id names.
    const urls = nodes.map((n, i) => {
      const sockets = listeningSockets(n.child.pid!);
      assert.equal(sockets.length, 1, `node ${HOSTS[i]} listens on exactly one port: ${JSON.stringify(sockets)}`);
      assert.equal(sockets[0]!.host, HOSTS[i]);
      return `http://${HOSTS[i]}:${sockets[0]!.port}`;
    });
    for (const t of spread.values()) assert.ok(urls.includes(`http://${t.workerId}`), `worker id ${t.workerId} is a node's process listener`);
    assert.equal((await fetch(`${urls[0]}/metrics`)).status, 200, 'the process listener is the node\'s scrape endpoint');

    // The flow's endpoints live under /A/B; an unknown flow is a 404 naming it.
    const body = '[]';
    const headers = await signedHeaders(b.bootstrap, body);
    const unknown = await fetch(`${urls[0]}/A/C/connectors/MirrorSourceConnector/tasks`, { method: 'POST', headers, body });
    assert.equal(unknown.status, 404);
    assert.match(await unknown.text(), /No replication flow found for source 'A' and target 'C'/);
    // Not forwarded (forward=false), only the leader answers for the flow itself: a connector it does not know is a
    // 404; the followers refuse with 409.
    const direct = await Promise.all(urls.map(async (u) => (await fetch(`${u}/A/B/connectors/no-such-connector/tasks?forward=false`, { method: 'POST', headers, body })).status));
    assert.equal(direct.filter((st) => st === 404).length, 1, `one leader: ${direct.join(',')}`);
    assert.equal(direct.filter((st) => st === 409).length, 2, `two followers: ${direct.join(',')}`);
    const follower = urls[direct.indexOf(409)]!;
    const viaFollower = await fetch(`${follower}/A/B/connectors/no-such-connector/tasks`, { method: 'POST', headers, body });
    assert.equal(viaFollower.status, 404, 'a follower forwards to the leader\'s flow URL (http://leader/A/B/), whose herder answers');
    assert.match(await viaFollower.text(), /Connector no-such-connector not found/);
    log(`listeners: ${urls.join(' ')}; leader ${urls[direct.indexOf(404)]}, forwarded from ${follower}`);

    // kill -9 the node running task 0; its task moves to the two others.
    const victimHost = spread.get(0)!.host;
    const victim = nodes[HOSTS.indexOf(victimHost)]!;
    victim.kill9();
    await victim.exited;
    children.delete(victim);
    const moved = await waitFor('every mirror task RUNNING on the surviving hosts', async () => {
      const s = await sourceTaskHosts(b.bootstrap);
      const running = [...s.values()].filter((t) => t.state === 'RUNNING' && t.host !== victimHost);
      return running.length === 3 ? s : null;
    }, 60_000, 500).catch((e: Error) => { throw explain(e); });
    log(`after kill -9 of ${victimHost}: ${[...moved].map(([id, t]) => `${id}@${t.host}`).join(' ')}`);

    await producing;
    // Every source record on the target, in order (re-sent ranges after the kill allowed: at-least-once).
    await waitFor('every record on the target', async () => {
      for (let p = 0; p < PARTITIONS; p++) {
        const src = (await partitionFingerprints(a.props, topic, p)).map((r) => r.fp);
        const dst = (await partitionFingerprints(b.props, `A.${topic}`, p)).map((r) => r.fp);
        if (analyseCopy(src, dst).lost > 0) return false;
      }
      return true;
    }, 60_000, 1000).catch((e: Error) => { throw explain(e); });
    let duplicates = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const report = analyseCopy((await partitionFingerprints(a.props, topic, p)).map((r) => r.fp), (await partitionFingerprints(b.props, `A.${topic}`, p)).map((r) => r.fp));
      assert.equal(report.lost, 0, `partition ${p}: nothing lost`);
      assert.equal(report.foreign, 0, `partition ${p}: nothing foreign`);
      duplicates += report.duplicates;
    }
    log(`${produced} records, 0 lost, ${duplicates} re-sent after the kill (at-least-once)`);
  } finally {
    await Promise.all(nodes.filter((n) => children.has(n)).map(async (n) => { await n.stop(); children.delete(n); }));
  }
});
