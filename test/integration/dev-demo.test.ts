// `ferry demo`: local mode (starts and stops its own clusters, leaves nothing behind) and external mode
// (--source/--target against running clusters, twice: the second run copies only the new records).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFerry, type CliResult } from '../helpers/cli.js';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { useKafka } from '../helpers/kafka.js';

const kafka = useKafka({ clusters: ['source', 'target'] });

function ferry(args: string[]): Promise<CliResult> {
  return runFerry(args);
}

function javaProcessesUnder(prefix: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('kafka.Kafka') && cmd.includes(prefix)) n++;
    } catch {
      // gone
    }
  }
  return n;
}

test('ferry demo (local clusters) copies 1000 orders, checksums match, leaves no broker or temp dir', async () => {
  const before = new Set(readdirSync(tmpdir()).filter((e) => e.startsWith('ferry-demo-')));
  const r = await ferry(['demo', '--json']);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const s = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(s.ok, true);
  assert.equal(s.produced, 1000);
  assert.equal(s.readFromSource, 1000);
  assert.equal(s.mirrored, 1000);
  assert.equal(s.readFromTarget, 1000);
  assert.equal(s.checksumsMatch, true);
  assert.equal(s.topic, 'demo.orders');
  process.stderr.write(`# demo: clusters ready ${String(s.clusterStartMs)} ms, total ${String(s.totalMs)} ms\n`);
  const leftover = readdirSync(tmpdir()).filter((e) => e.startsWith('ferry-demo-') && !before.has(e));
  assert.deepEqual(leftover, []);
  assert.equal(javaProcessesUnder('/ferry-demo-'), 0);
});

test('ferry demo --source/--target runs against running clusters; a rerun copies only the new records', async () => {
  const args = ['demo', '--json', '--records', '300', '--source', kafka.cluster('source').bootstrap, '--target', kafka.cluster('target').bootstrap];
  const first = await ferry(args);
  assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
  const a = JSON.parse(first.stdout) as Record<string, unknown>;
  assert.equal(a.kafka, 'external');
  assert.equal(a.mirrored, 300);
  assert.equal(a.checksumsMatch, true);
  const second = await ferry(args);
  assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
  const b = JSON.parse(second.stdout) as Record<string, unknown>;
  assert.equal(b.mirrored, 300, 'resumes from committed offsets: only the second run’s records');
  assert.equal(b.readFromTarget, 300);
  assert.notEqual(b.run, a.run);
});

test('ferry demo --help and bad options', async () => {
  const help = await ferry(['demo', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: ferry demo/);
  const bad = await ferry(['demo', '--records', 'many']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--records must be an integer/);
  const half = await ferry(['demo', '--source', '127.0.0.1:1']);
  assert.equal(half.code, 2);
  assert.match(half.stderr, /--source and --target go together/);
});
