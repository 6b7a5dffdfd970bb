// The status page (/ui) in headless Chromium (Debian's package, driven by playwright-core) during a dedicated-mode
// mirror run behind basic authentication: the flow appears with its state, the topic's lag in records rises above
// zero while a backlog is mirrored and falls to zero once every record is on the target, and the consumer group's
// checkpoint shows. The screenshot in the README comes from this test (FERRY_UPDATE_SCREENSHOTS=1 writes it to
// docs/status-page.png; otherwise it goes to a temp dir and is only checked to be a PNG).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startKafka, uniqueName, type KafkaHarness } from '../helpers/kafka.js';
import { tempDir, waitFor } from '../helpers/connect.js';
import { commitGroupOffsets, createTopics, endOffsets, mixedRecord, produceMixed, sum, writeMm2Properties } from '../helpers/mirror.js';
import { freePort } from '../helpers/distributed-failover.js';
import { readMm2Config, startMirrorMaker, type MirrorMakerHandle } from '../../src/mirror/dedicated.js';
import { BASIC_AUTH_EXTENSION } from '../../src/connect/rest/auth.js';

const CHROMIUM = '/usr/bin/chromium';
let kafka: KafkaHarness;
const tmp = tempDir('ferry-status-page-');

before(async () => { kafka = await startKafka({ clusters: ['a', 'b'] }); });
after(async () => { await kafka?.stop(); tmp.cleanup(); });

interface TopicRow { lagRecords: number; lagSeconds: number; text: string }

async function topicRow(page: Page, flow: string, topic: string): Promise<TopicRow | null> {
  // One read of the row's attributes and text (the page re-renders every refresh; a locator re-resolves).
  const row = page.locator(`section[data-flow="${flow}"] tr[data-topic="${topic}"]`);
  if (await row.count() === 0) return null;
  const cells = await row.evaluate((r) => ({
    lagRecords: r.querySelector('[data-lag-records]')?.getAttribute('data-lag-records') ?? 'NaN',
    lagSeconds: r.querySelector('[data-lag-seconds]')?.getAttribute('data-lag-seconds') ?? 'NaN',
    text: r.textContent ?? '',
  })).catch(() => null);
  return cells ? { lagRecords: Number(cells.lagRecords), lagSeconds: Number(cells.lagSeconds), text: cells.text } : null;
}

test('the status page shows the flow, a lag that falls to zero, and a checkpoint', { timeout: 90_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
  const a = kafka.cluster('a');
  const b = kafka.cluster('b');
  const topic = uniqueName('ui');
  const group = uniqueName('ui-g');
  const N = 3000;
  await createTopics(a.props, [{ topic, partitions: 1 }]);
  // A backlog of single-record batches stamped now; the mirror reads one batch per fetch (below), so the lag is
  // visible for a few seconds.
  await produceMixed(a.props, [topic], { run: 'ui', partitions: 1, count: N, batchSize: 1, concurrency: 16, make: (r, t, i, p) => ({ ...mixedRecord(r, t, i, p), timestamp: Date.now() }) });
  await commitGroupOffsets(a.props, group, [{ topic, partition: 0, offset: 100 }]);

  const creds = join(tmp.dir, 'users.properties');
  writeFileSync(creds, 'operator: s3cret\n');
  const jaas = join(tmp.dir, 'jaas.conf');
  writeFileSync(jaas, `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="${creds}";\n};\n`);
  const port = await freePort();
  const file = writeMm2Properties(tmp.dir, { A: a.bootstrap, B: b.bootstrap }, {
    'A->B.enabled': 'true', 'A->B.topics': topic, 'A->B.groups': group, 'B->A.enabled': 'false',
    'A.consumer.max.partition.fetch.bytes': '1',
    'dedicated.mode.enable.internal.rest': 'true', 'listeners': `http://127.0.0.1:${port}`,
    'rest.extension.classes': BASIC_AUTH_EXTENSION,
  });
  const base = `http://127.0.0.1:${port}`;
  let mm: MirrorMakerHandle | null = null;
  let context: BrowserContext | null = null;
  const starting = startMirrorMaker(readMm2Config(file.path, ['B']), { env: { KAFKA_OPTS: `-Djava.security.auth.login.config=${jaas}` } }).then((h) => { mm = h; return h; });
  try {
    await waitFor('process listener', async () => (await fetch(`${base}/health/live`).catch(() => null))?.status === 200, 30_000, 100);
    assert.equal((await fetch(`${base}/ui`)).status, 401, 'the page needs the login');
    assert.equal((await fetch(`${base}/ui/status.json`)).status, 401, 'so does its data');

    context = await chromium.launchPersistentContext(join(tmp.dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      httpCredentials: { username: 'operator', password: 's3cret' },
      viewport: { width: 1280, height: 860 },
    });
    const page = context.pages()[0] ?? await context.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    await page.goto(`${base}/ui?refresh=0.3`);
    await page.waitForSelector('section[data-flow="A->B"]', { timeout: 45_000 });

    // The lag in records rises above zero while the backlog is mirrored, then falls to zero.
    let maxLag = 0;
    let maxLagSeconds = 0;
    const seen: string[] = [];
    await waitFor('lag back to zero after being above zero', async () => {
      const row = await topicRow(page, 'A->B', topic);
      if (!row) return false;
      maxLag = Math.max(maxLag, row.lagRecords);
      maxLagSeconds = Math.max(maxLagSeconds, row.lagSeconds);
      if (seen.at(-1) !== row.text) seen.push(row.text);
      return maxLag > 0 && row.lagRecords === 0 && row.lagSeconds === 0;
    }, 60_000, 100).catch((e: Error) => { throw new Error(`${e.message}; rows seen: ${seen.slice(-5).join(' | ')}`); });
    assert.ok(maxLag > 0 && maxLagSeconds > 0, `lag seen in records (${maxLag}) and seconds (${maxLagSeconds})`);
    assert.equal(sum(await endOffsets(b.props, `A.${topic}`)), N, 'zero lag on the page: every record is on the target');

    // The group's checkpoint, with its age.
    const ckpt = await page.waitForSelector(`section[data-flow="A->B"] tr[data-checkpoint-group="${group}"]`, { timeout: 30_000 });
    assert.match(await ckpt.innerText(), /ago/);
    const flowState = await page.locator('section[data-flow="A->B"] .flow-head .state').first().innerText();
    assert.equal(flowState, 'RUNNING');
    assert.match(await page.locator('section[data-flow="A->B"] [data-recovery-point]').innerText(), /^\d+(\.\d)? s$/);
    // Tasks with their states, on the flow's worker.
    await page.waitForSelector('section[data-worker="A->B"] tr[data-task="MirrorSourceConnector-0"] .state.RUNNING', { timeout: 10_000 });
    assert.equal(await page.locator('#error').innerText(), '', 'no failed refresh');
    assert.deepEqual(consoleErrors, []);

    const shot = process.env['FERRY_UPDATE_SCREENSHOTS'] === '1' ? new URL('../../docs/status-page.png', import.meta.url).pathname : join(tmp.dir, 'status-page.png');
    mkdirSync(join(shot, '..'), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });
    assert.deepEqual([...readFileSync(shot).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
  } finally {
    await (context as BrowserContext | null)?.close().catch(() => undefined);
    await starting.catch(() => undefined);
    await (mm as MirrorMakerHandle | null)?.stop();
  }
});
