// Apache Kafka's own Java code in the tests: Apache MirrorMaker 2 (dedicated mode, from the jars Ferry fetched)
// and test/java/FerryInterop.java (compiled with javac against the same jars at test time), which reads what a
// mirror left on a cluster with the classes Java users read it with (RemoteClusterUtils, MirrorClient,
// OffsetSync/Checkpoint/Heartbeat, Connect's Kafka-backed config/offset/status stores).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { ensureKafkaJars, findJava } from '../../src/dev/jars.js';
import type { ClientProps } from '../../src/kafka/client.js';
import { tempDir, waitFor } from './connect.js';
import { useKafka, type TestKafka } from './kafka.js';
import { digestTopic, partitionFingerprints, writeMm2Properties, type FingerprintedRecord } from './mirror.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const JAVA_DIR = join(ROOT, 'test', 'java');
const LOG4J2 = join(JAVA_DIR, 'log4j2.properties');

export interface JavaKit {
  libDir: string;
  classesDir: string;
  /** Runs a FerryInterop subcommand; returns its RESULT json and what it logged (WARN and above). */
  interop<T>(args: string[], opts?: { replicationPolicy?: string; timeoutMs?: number }): { result: T; log: string };
}

/** Fetches (once) the jars of the Kafka version under test and compiles FerryInterop.java against them. */
export async function javaKit(kafkaVersion: string): Promise<JavaKit> {
  const libDir = await ensureKafkaJars(kafkaVersion);
  const javac = join(resolve(findJava(), '..'), 'javac');
  const classesDir = join(tmpdir(), `ferry-java-interop-${process.pid}-${kafkaVersion}`);
  mkdirSync(classesDir, { recursive: true });
  if (!existsSync(join(classesDir, 'FerryInterop.class'))) {
    const r = spawnSync(existsSync(javac) ? javac : 'javac', ['-d', classesDir, '-cp', join(libDir, '*'), join(JAVA_DIR, 'FerryInterop.java')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`javac FerryInterop.java failed: ${r.stderr}${r.stdout}`);
  }
  const java = findJava();
  return {
    libDir,
    classesDir,
    interop<T>(args: string[], opts: { replicationPolicy?: string; timeoutMs?: number } = {}) {
      const sys = [`-Dlog4j2.configurationFile=${LOG4J2}`];
      if (opts.replicationPolicy) sys.push(`-Dferry.replication.policy.class=${opts.replicationPolicy}`);
      const started = Date.now();
      const r = spawnSync(java, ['-Xmx256m', ...sys, '-cp', `${classesDir}:${join(libDir, '*')}`, 'FerryInterop', ...args], { encoding: 'utf8', timeout: opts.timeoutMs ?? 120_000 });
      const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('RESULT '));
      if (r.status !== 0 || !line) throw new Error(`FerryInterop ${args.join(' ')} failed (exit ${String(r.status ?? r.signal)}):\n${(r.stderr ?? '').slice(-4000)}\n${(r.stdout ?? '').slice(-2000)}`);
      if (process.env.FERRY_INTEROP_DEBUG) process.stderr.write(`# FerryInterop ${args[0]} took ${Date.now() - started} ms\n`);
      return { result: JSON.parse(line.slice('RESULT '.length)) as T, log: r.stderr ?? '' };
    },
  };
}

export interface JavaInterop {
  /** Two clusters, `a` and `b`. */
  kafka: TestKafka;
  /** FerryInterop compiled against the jars of the Kafka version under test (usable once `before` has run). */
  readonly kit: JavaKit;
  /** A temp directory for mm2.properties and MM2's logs, removed when the file ends. */
  dir: string;
  log(message: string): void;
}

/**
 * The setup every interop test file shares: registers node:test hooks at file top level that start clusters
 * `a` and `b`, fetch the jars and compile FerryInterop (in the same before hook), and clean up after.
 */
export function useJavaInterop(tmpPrefix: string): JavaInterop {
  let kit: JavaKit | undefined;
  const kafka = useKafka({ clusters: ['a', 'b'], setup: async (k) => { kit = await javaKit(k.kafkaVersion); } });
  const tmp = tempDir(tmpPrefix);
  after(() => tmp.cleanup());
  return {
    kafka,
    get kit() {
      if (!kit) throw new Error('the Java interop kit is not ready yet (useJavaInterop handles work inside tests and later hooks)');
      return kit;
    },
    dir: tmp.dir,
    log: (m) => process.stderr.write(`# ${m}\n`),
  };
}

export interface ApacheMirrorMaker {
  child: ChildProcess;
  logFile: string;
  /** MM2's log so far (INFO and above). */
  log(): string;
  /** ERROR lines and exception traces in the log. */
  errors(): string[];
  /** SIGTERM (graceful: tasks stop and commit their offsets), SIGKILL after the timeout. */
  stop(timeoutMs?: number): Promise<number | string>;
  exited: Promise<number | string>;
}

/** `connect-mirror-maker.sh mm2.properties` without the script: MirrorMaker's main class on the fetched jars. */
export function startApacheMirrorMaker(kit: JavaKit, propertiesFile: string, logFile: string): ApacheMirrorMaker {
  const child = spawn(findJava(), [
    '-Xms128m', '-Xmx512m', '-XX:+UseG1GC', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${LOG4J2}`, `-Dferry.test.log.file=${logFile}`, '-Dferry.test.log.level=info',
    '-cp', join(kit.libDir, '*'), 'org.apache.kafka.connect.mirror.MirrorMaker', propertiesFile,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); if (stderr.length > 200_000) stderr = stderr.slice(-100_000); });
  const exited = new Promise<number | string>((res) => child.once('exit', (code, sig) => res(code ?? sig ?? -1)));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '') + (stderr ? `\n--- stderr ---\n${stderr}` : '');
  return {
    child,
    logFile,
    log,
    errors: () => {
      // Each ERROR line with the exception trace that follows it (lines without a timestamp), from the log file only.
      const lines = (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '').split('\n');
      const out: string[] = [];
      lines.forEach((l, i) => {
        if (!/^\[[^\]]+\] ERROR /.test(l)) return;
        const trace: string[] = [];
        for (let j = i + 1; j < lines.length && trace.length < 25 && !/^\[\d{4}-/.test(lines[j]!); j++) trace.push(lines[j]!);
        out.push([l, ...trace].join('\n'));
      });
      return out;
    },
    exited,
    stop: async (timeoutMs = 30_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try { return await exited; } finally { clearTimeout(t); }
    },
  };
}

// ---- What FerryInterop prints, and the checks the interop tests share ----

export interface JavaOffset { topic: string; partition: number; offset: number; metadata: string }
export interface JavaClient { upstreamClusters: string[]; heartbeatTopics: string[]; checkpointTopics: string[]; replicationHops: Record<string, number> }
export interface JavaRecords { kind: string; records: Record<string, string | number>[]; failures: string[] }
export interface JavaStores {
  connectors: Record<string, { config: Record<string, string>; targetState: string; taskCount: number; tasks: Record<string, string>[] }>;
  inconsistentConnectors: string[];
  sessionKey: { algorithm: string; keyBytes: number; creationTimestamp: number } | null;
  status: Record<string, { state: string | null; workerId: string | null; generation: number | null; trace: string | null; tasks: { task: number; state: string; workerId: string; trace: string | null }[] }>;
  offsets: Record<string, { partition: Record<string, string | number>; offset: Record<string, number> | null }[]>;
}

/** mm2.properties both tools run: a one-way flow S->T for `topic`, groups `<prefix>.*`, heartbeats both ways (MM2's default). */
export function interopFlowFile(dir: string, name: string, s: { alias: string; bootstrap: string }, t: { alias: string; bootstrap: string }, topic: string, groupPrefix: string): string {
  return writeMm2Properties(dir, { [s.alias]: s.bootstrap, [t.alias]: t.bootstrap }, {
    [`${s.alias}->${t.alias}.enabled`]: 'true',
    [`${s.alias}->${t.alias}.topics`]: topic,
    [`${s.alias}->${t.alias}.groups`]: `${groupPrefix}.*`,
    'sync.group.offsets.enabled': 'true',
    // MM2's workers inherit Connect's 60 s flush; a short one lets a graceful stop hand over promptly.
    'offset.flush.interval.ms': '2000',
    'tasks.max': '2',
  }, name).path;
}

/** The target offset of the first mirrored record at or after `g` (the source records in order on the target). */
export function exactTarget(src: readonly FingerprintedRecord[], tgt: readonly FingerprintedRecord[], g: number, targetEnd: number): number {
  const next = src.find((r) => r.offset >= g);
  if (!next) return targetEnd;
  const at = tgt.find((r) => r.fp === next.fp);
  if (!at) throw new Error(`source record at ${next.offset} is not on the target`);
  return at.offset;
}

/** A group offset per partition at the given fraction of its records. */
export function groupAt(topic: string, src: readonly FingerprintedRecord[][], frac: number): { topic: string; partition: number; offset: number }[] {
  return src.map((recs, p) => ({ topic, partition: p, offset: recs[Math.min(recs.length - 1, Math.floor(recs.length * frac))]!.offset }));
}

export async function fingerprints(props: ClientProps, topic: string, partitions: number): Promise<FingerprintedRecord[][]> {
  return Promise.all(Array.from({ length: partitions }, (_, p) => partitionFingerprints(props, topic, p)));
}

/** Count and sha256 per partition equal on both sides: nothing lost, nothing duplicated, same order. */
export async function assertSameCopy(source: ClientProps, target: ClientProps, topic: string, remote: string, partitions: number, label: string): Promise<number> {
  const [src, dst] = await Promise.all([digestTopic(source, topic, partitions), digestTopic(target, remote, partitions)]);
  for (let p = 0; p < partitions; p++) {
    assert.equal(dst[p]!.count, src[p]!.count, `${label}: ${remote}-${p} has as many records as ${topic}-${p} (0 lost, 0 duplicated)`);
    assert.equal(dst[p]!.sha256, src[p]!.sha256, `${label}: ${remote}-${p} holds the same records in the same order`);
  }
  return src.reduce((n, d) => n + d.count, 0);
}

/** Java's RemoteClusterUtils.translateOffsets for each group (one JVM for all of them). */
export function javaTranslate(kit: JavaKit, bootstrap: string, alias: string, groups: readonly string[]): Record<string, JavaOffset[]> {
  return kit.interop<Record<string, JavaOffset[]>>(['translate', bootstrap, alias, ...groups]).result;
}

/** Waits until Java's RemoteClusterUtils.translateOffsets gives, for every group, `expected` (index = partition). */
export async function waitForJavaTranslation(kit: JavaKit, bootstrap: string, alias: string, remote: string, expected: Readonly<Record<string, readonly number[]>>, timeoutMs = 90_000): Promise<Record<string, JavaOffset[]>> {
  let last: Record<string, JavaOffset[]> = {};
  try {
    return await waitFor(`Java translateOffsets(${alias}) = ${JSON.stringify(expected)}`, () => {
      last = javaTranslate(kit, bootstrap, alias, Object.keys(expected));
      const ok = Object.entries(expected).every(([g, want]) => want.every((e, p) => last[g]?.find((o) => o.topic === remote && o.partition === p)?.offset === e));
      return ok ? last : null;
    }, timeoutMs, 1000);
  } catch (e) {
    throw new Error(`${(e as Error).message}; Java's last answer: ${JSON.stringify(last)}`, { cause: e });
  }
}
