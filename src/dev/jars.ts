// Kafka jars for local clusters, gathered from Maven Central by kafka/pom.xml (no tarball, no Docker).
// One lib/ per Kafka version under the cache directory; fetched once, then reused by every process.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ferryEnv } from '../config/ferry-env.js';
import { withLock } from './lock.js';
import { lastLines, which } from './process.js';

/** Newest release Maven Central serves completely (4.4.0 lacks connect-mirror and kafka-tools jars). */
export const DEFAULT_KAFKA_VERSION = '4.3.1';

export interface KafkaDistribution {
  version: string;
  major: number;
  minor: number;
  /** Maven profile in kafka/pom.xml that adds the logging binding Kafka's POMs leave out. */
  profile: 'kafka3' | 'kafka4';
  /** log4j2 version matching the Kafka release (4.x only). */
  log4j2Version?: string;
  /** Which logging backend the broker runs with, hence which config file it reads. */
  logging: 'reload4j' | 'log4j2';
  /** Minimum Java major version. */
  minJava: number;
}

/** Maps a Kafka version to its Maven profile and logging jars. Throws on versions we cannot run. */
export function kafkaDistribution(version: string): KafkaDistribution {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?$/.exec(version);
  if (!m) throw new Error(`Invalid Kafka version '${version}': expected MAJOR.MINOR.PATCH, e.g. ${DEFAULT_KAFKA_VERSION} or 3.9.1.`);
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major === 3 && minor >= 5) {
    return { version, major, minor, profile: 'kafka3', logging: 'reload4j', minJava: 11 };
  }
  if (major === 4) {
    // Kafka's own log4j2 pin per release line (4.0/4.1: 2.24.3, 4.2: 2.25.3, 4.3+: 2.25.4).
    const log4j2Version = minor <= 1 ? '2.24.3' : minor === 2 ? '2.25.3' : '2.25.4';
    return { version, major, minor, profile: 'kafka4', log4j2Version, logging: 'log4j2', minJava: 17 };
  }
  throw new Error(`Unsupported Kafka version '${version}': local clusters need KRaft combined mode, i.e. 3.5.x-3.9.x or 4.x.`);
}

/** Root of the jar cache: $FERRY_CACHE_DIR, else ~/.cache/ferry. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(ferryEnv(env).cacheDir ?? join(homedir(), '.cache', 'ferry'));
}

export function kafkaLibDir(version: string, cacheDir = cacheRoot()): string {
  return join(cacheDir, `kafka-${version}`, 'lib');
}

/**
 * Finds a file shipped in the repository (kafka/pom.xml, kafka/log4j2.properties) by walking up from this
 * module, so it works from src/ (tsx) and from dist/src/ (compiled) alike.
 */
export function projectFile(rel: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, rel);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot find ${rel} above ${dirname(fileURLToPath(import.meta.url))}; is the Ferry installation complete?`);
    dir = parent;
  }
}

/** A required command-line tool is missing or unusable. */
export class MissingToolError extends Error {
  constructor(readonly tool: string, message: string) {
    super(message);
    this.name = 'MissingToolError';
  }
}

const INSTALL_HINT: Record<'java' | 'mvn', string> = {
  java: 'Install a JDK 17 (Debian/Ubuntu: `apt-get install -y openjdk-17-jdk-headless`; macOS: `brew install openjdk@17`) or set JAVA_HOME.',
  mvn: 'Install Apache Maven 3.8+ (Debian/Ubuntu: `apt-get install -y maven`; macOS: `brew install maven`).',
};

/** The java executable: $JAVA_HOME/bin/java when set, else java on PATH. */
export function findJava(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.JAVA_HOME;
  if (home) {
    const p = join(home, 'bin', 'java');
    if (existsSync(p)) return p;
  }
  const onPath = which('java', env.PATH);
  if (!onPath) throw new MissingToolError('java', `Java not found (no JAVA_HOME/bin/java, no 'java' on PATH). Local Kafka clusters run on the JVM. ${INSTALL_HINT.java}`);
  return onPath;
}

export function findMaven(env: NodeJS.ProcessEnv = process.env): string {
  const p = which('mvn', env.PATH);
  if (!p) throw new MissingToolError('mvn', `Maven not found ('mvn' is not on PATH). Ferry fetches the Kafka jars from Maven Central with it. ${INSTALL_HINT.mvn}`);
  return p;
}

const javaVersions = new Map<string, number>();

/** Major version of a java executable ("17.0.15" → 17, "1.8.0_392" → 8). */
export function javaMajorVersion(java: string): number {
  const cached = javaVersions.get(java);
  if (cached !== undefined) return cached;
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const out = `${r.stderr ?? ''}${r.stdout ?? ''}`;
  const v = parseJavaVersion(out);
  if (r.status !== 0 || v === undefined) throw new MissingToolError('java', `'${java} -version' failed: ${lastLines(out || String(r.error ?? ''), 5)}\n${INSTALL_HINT.java}`);
  javaVersions.set(java, v);
  return v;
}

export function parseJavaVersion(output: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] ? Number(m[2]) : first;
}

/** Checks java (and its version for this Kafka) up front; returns the java path. */
export function requireJava(dist: KafkaDistribution): string {
  const java = findJava();
  const v = javaMajorVersion(java);
  if (v < dist.minJava) throw new MissingToolError('java', `Kafka ${dist.version} needs Java ${dist.minJava}+, but ${java} is Java ${v}. ${INSTALL_HINT.java}`);
  return java;
}

export interface EnsureJarsOptions {
  cacheDir?: string;
  /** Progress messages for humans (stderr in the CLI). */
  log?: (message: string) => void;
  pomFile?: string;
}

/** Returns the lib directory with every jar the broker, StorageTool and MirrorMaker 2 need; downloads once. */
export async function ensureKafkaJars(version: string, opts: EnsureJarsOptions = {}): Promise<string> {
  const dist = kafkaDistribution(version);
  const cacheDir = opts.cacheDir ?? cacheRoot();
  const libDir = kafkaLibDir(version, cacheDir);
  if (isComplete(libDir, version)) return libDir;

  // Check tools before taking the lock, so the error is about the tool, not a timeout.
  requireJava(dist);
  const mvn = findMaven();
  const home = dirname(libDir);
  mkdirSync(home, { recursive: true });
  await withLock(`${home}.lock`, async () => {
    if (isComplete(libDir, version)) return; // another process fetched it while we waited
    for (const e of readdirSync(home)) if (e.startsWith('lib.tmp-')) rmSync(join(home, e), { recursive: true, force: true });
    const tmp = join(home, `lib.tmp-${process.pid}`);
    opts.log?.(`Fetching Kafka ${version} jars from Maven Central into ${libDir} (first time only)…`);
    const started = Date.now();
    try {
      await runMaven(mvn, mavenArgs(dist, opts.pomFile ?? projectFile('kafka/pom.xml'), tmp));
      if (!existsSync(join(tmp, `kafka_2.13-${version}.jar`))) {
        throw new Error(`Maven finished but ${tmp} has no kafka_2.13-${version}.jar; is ${version} a released Kafka version?`);
      }
      rmSync(libDir, { recursive: true, force: true });
      renameSync(tmp, libDir);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    opts.log?.(`Fetched ${readdirSync(libDir).length} jars for Kafka ${version} in ${((Date.now() - started) / 1000).toFixed(1)}s.`);
  }, { onWait: (o) => opts.log?.(`Waiting for another process${o ? ` (pid ${o.pid})` : ''} fetching Kafka ${version} jars…`) });
  return libDir;
}

function isComplete(libDir: string, version: string): boolean {
  return existsSync(join(libDir, `kafka_2.13-${version}.jar`));
}

export function mavenArgs(dist: KafkaDistribution, pom: string, outputDir: string): string[] {
  const args = ['-B', '-q', '-Dstyle.color=never', '-f', pom, 'dependency:copy-dependencies',
    `-Dkafka.version=${dist.version}`, '-DincludeScope=runtime', `-DoutputDirectory=${outputDir}`];
  if (dist.log4j2Version) args.push(`-Dlog4j2.version=${dist.log4j2Version}`);
  args.push(`-P${dist.profile}`);
  return args;
}

async function runMaven(mvn: string, args: string[]): Promise<void> {
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(mvn, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new Error(`Cannot run Maven (${mvn}): ${err.message}`, { cause: err })));
    child.on('close', (code, sig) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`Maven failed (${sig ?? `exit code ${code}`}) running: mvn ${args.join(' ')}\n--- last lines of Maven output ---\n${lastLines(out, 25)}`));
    });
  });
}
