// Start-up suite: a small topic (8 partitions x 125 records) is waiting on the source; time from spawning
// the tool to the first record (and to all records) on the target, polled every 50 ms.
import type { EphemeralKafka } from '../../src/dev/ephemeral.js';
import type { BenchContext, StartupRun } from './context.js';
import { launchMirror, loadAvg, sampleUntil } from './context.js';
import { createTopics, EndOffsetWatcher, nodePreload } from './kafka.js';
import { exactTopicsRegex } from './mm2-config.js';
import { baseRunConfig, round } from './throughput.js';
import { TOOL_LABEL, type Tool } from './tools.js';

const PARTITIONS = 8;
const PER_PARTITION = 125;

export async function startupRun(ctx: BenchContext, target: EphemeralKafka, tool: Tool, rep: number): Promise<StartupRun> {
  const runId = ctx.nextRunId();
  const run: StartupRun = { suite: 'startup', tool, rep, ok: false, loadAvgStart: loadAvg(), loadAvgEnd: [] };
  const sourceBootstrap = ctx.source.cluster('source').bootstrap;
  const targetBootstrap = target.cluster('target').bootstrap;
  const topic = `bench.startup.r${runId}`;
  try {
    await createTopics(sourceBootstrap, [{ topic, partitions: PARTITIONS }]);
    await nodePreload(sourceBootstrap, [{ topic, partitions: PARTITIONS }], PER_PARTITION, 100);
    const total = PARTITIONS * PER_PARTITION;
    const watcher = new EndOffsetWatcher(targetBootstrap, new Map([[topic, new Array<number>(PARTITIONS).fill(PER_PARTITION)]]));
    ctx.log(`startup rep ${rep} ${TOOL_LABEL[tool]} (run ${runId})`);
    run.loadAvgStart = loadAvg();
    const session = launchMirror(ctx, tool, runId, baseRunConfig(ctx, runId, targetBootstrap, exactTopicsRegex([topic])));
    try {
      let firstAt: { t: number; cpu: number; rssKb: number } | undefined;
      const samples = await sampleUntil(session, async () => (await watcher.total()).total, (n) => n >= total, { intervalMs: 50, timeoutMs: 240_000, stallMs: 60_000, firstRecordTimeoutMs: 240_000 });
      const first = samples.find((s) => s.records > 0);
      if (first) firstAt = first;
      run.startToFirstRecordMs = firstAt ? Math.round(firstAt.t) : undefined;
      run.startToAllRecordsMs = Math.round(samples[samples.length - 1]!.t);
      run.cpuSecondsToFirstRecord = firstAt ? round(firstAt.cpu, 2) : undefined;
      run.rssAtFirstRecordMb = firstAt ? round(firstAt.rssKb / 1024, 1) : undefined;
      run.ok = true;
      ctx.log(`  ${TOOL_LABEL[tool]}: first record after ${run.startToFirstRecordMs} ms (CPU ${run.cpuSecondsToFirstRecord} s, RSS ${run.rssAtFirstRecordMb} MB), all after ${run.startToAllRecordsMs} ms`);
    } finally {
      await watcher.close();
      await session.stop();
    }
  } catch (e) {
    run.error = (e as Error).message;
    ctx.log(`  FAILED: ${run.error}`);
  }
  run.loadAvgEnd = loadAvg();
  return run;
}
