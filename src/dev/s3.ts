// A local S3-compatible server without Docker: s3proxy (org.gaul:s3proxy, the jar-with-dependencies from Maven
// Central, fetched once into the jar cache) with its filesystem backend, on 127.0.0.1 only. Used by
// `ferry dev up --s3`, the S3 connectors' tests and the backup scenario. Buckets are directories under
// <dir>/data; the default bucket is created at start.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, findJava, findMaven, javaMajorVersion, MissingToolError, projectFile } from './jars.js';
import { withLock } from './lock.js';
import { canConnect } from './net.js';
import { isAlive, lastLines, processMatches, sleep, tailFile, terminate } from './process.js';
import { LOOPBACK, isPortFree } from './ports.js';

export const S3PROXY_VERSION = '2.6.0';
export const DEFAULT_S3_PORT = 19333;
export const DEV_S3_ACCESS_KEY = 'ferry';
export const DEV_S3_SECRET_KEY = 'ferry-dev-secret';
export const DEV_S3_BUCKET = 'ferry-backups';
const MARKER = 's3proxy';

export function s3proxyJarPath(version = S3PROXY_VERSION, cacheDir = cacheRoot()): string {
  return join(cacheDir, `s3proxy-${version}`, `s3proxy-${version}-jar-with-dependencies.jar`);
}

/** The s3proxy jar, fetched from Maven Central with Maven once (`mvn dependency:copy`). */
export async function ensureS3ProxyJar(opts: { version?: string; cacheDir?: string; log?: (m: string) => void } = {}): Promise<string> {
  const version = opts.version ?? S3PROXY_VERSION;
  const jar = s3proxyJarPath(version, opts.cacheDir);
  if (existsSync(jar)) return jar;
  const mvn = findMaven();
  const home = join(jar, '..');
  mkdirSync(home, { recursive: true });
  await withLock(`${home}.lock`, async () => {
    if (existsSync(jar)) return;
    const tmp = join(home, `tmp-${process.pid}`);
    opts.log?.(`Fetching s3proxy ${version} from Maven Central into ${home} (first time only)…`);
    const args = ['-B', '-q', '-Dstyle.color=never', '-f', projectFile('kafka/pom.xml'), 'dependency:copy',
      `-Dartifact=org.gaul:s3proxy:${version}:jar:jar-with-dependencies`, `-DoutputDirectory=${tmp}`];
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(mvn, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
        child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`Maven failed fetching s3proxy: mvn ${args.join(' ')}\n${lastLines(out, 20)}`))));
      });
      const got = readdirSync(tmp).find((f) => f.endsWith('jar-with-dependencies.jar'));
      if (!got) throw new Error(`Maven finished but ${tmp} has no s3proxy jar`);
      renameSync(join(tmp, got), jar);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
  return jar;
}

export interface S3ServerOptions {
  /** Holds s3proxy.conf, data/ (the buckets), s3proxy.log and state.json. */
  dir: string;
  port: number;
  accessKey?: string;
  secretKey?: string;
  /** Buckets created (as directories) before start. */
  buckets?: readonly string[];
  /** true: the server outlives this process (`ferry dev up`); false: a child killed when this process exits. */
  detached?: boolean;
  log?: (m: string) => void;
}

export interface S3ServerRecord { pid: number; port: number; endpoint: string; accessKey: string; secretKey: string; dir: string; bucket: string }

export interface S3Server extends S3ServerRecord {
  /** Stops the server (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** SIGKILL, for tests of an endpoint that goes away. */
  kill(): void;
}

export function renderS3ProxyConf(o: { port: number; dataDir: string; accessKey: string; secretKey: string }): string {
  return [
    `s3proxy.endpoint=http://${LOOPBACK}:${o.port}`,
    's3proxy.authorization=aws-v2-or-v4',
    `s3proxy.identity=${o.accessKey}`,
    `s3proxy.credential=${o.secretKey}`,
    'jclouds.provider=filesystem',
    `jclouds.filesystem.basedir=${o.dataDir}`,
    '',
  ].join('\n');
}

export async function startS3Server(o: S3ServerOptions): Promise<S3Server> {
  const jar = await ensureS3ProxyJar({ ...(o.log ? { log: o.log } : {}) });
  const java = findJava();
  if (javaMajorVersion(java) < 17) throw new MissingToolError('java', `s3proxy ${S3PROXY_VERSION} needs Java 17+`);
  if (!(await isPortFree(o.port))) throw new Error(`Cannot start the local S3 server: 127.0.0.1:${o.port} is in use`);
  const accessKey = o.accessKey ?? DEV_S3_ACCESS_KEY;
  const secretKey = o.secretKey ?? DEV_S3_SECRET_KEY;
  const dataDir = join(o.dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const buckets = o.buckets ?? [DEV_S3_BUCKET];
  for (const b of buckets) mkdirSync(join(dataDir, b), { recursive: true });
  const conf = join(o.dir, 's3proxy.conf');
  writeFileSync(conf, renderS3ProxyConf({ port: o.port, dataDir, accessKey, secretKey }));
  const logFile = join(o.dir, 's3proxy.log');
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(java, ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Dferry.role=s3proxy', '-jar', jar, '--properties', conf], {
      detached: o.detached ?? false, stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('Cannot start the local S3 server: java did not start');
  const killOnExit = () => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
  if (o.detached) child.unref();
  else process.once('exit', killOnExit);
  const deadline = Date.now() + 60_000;
  while (!(await canConnect(o.port))) {
    if (child.exitCode !== null || !isAlive(pid)) throw new Error(`The local S3 server exited at start; see ${logFile}:\n${tailFile(logFile, 15)}`);
    if (Date.now() > deadline) { killOnExit(); throw new Error(`The local S3 server did not listen on ${o.port} within 60 s; see ${logFile}`); }
    await sleep(200);
  }
  const rec: S3ServerRecord = { pid, port: o.port, endpoint: `http://${LOOPBACK}:${o.port}`, accessKey, secretKey, dir: o.dir, bucket: buckets[0] ?? DEV_S3_BUCKET };
  if (o.detached) writeFileSync(join(o.dir, 'state.json'), JSON.stringify(rec, null, 2));
  return {
    ...rec,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (isAlive(pid)) await terminate(pid, 10_000);
    },
    kill: killOnExit,
  };
}

/** The server `ferry dev up --s3` recorded in <devDir>/s3, with whether it still runs. */
export function readS3Server(devDir: string): (S3ServerRecord & { running: boolean }) | null {
  const f = join(devDir, 's3', 'state.json');
  if (!existsSync(f)) return null;
  const rec = JSON.parse(readFileSync(f, 'utf8')) as S3ServerRecord;
  return { ...rec, running: processMatches(rec.pid, [MARKER]) };
}

/** `ferry dev up --s3`: starts the recorded server again (same port, same data), or a new one. */
export async function devS3Up(devDir: string, port: number | undefined, log?: (m: string) => void): Promise<{ server: S3ServerRecord; started: boolean }> {
  const prev = readS3Server(devDir);
  if (prev?.running) return { server: prev, started: false };
  const server = await startS3Server({ dir: join(devDir, 's3'), port: port ?? prev?.port ?? DEFAULT_S3_PORT, detached: true, ...(log ? { log } : {}) });
  return { server, started: true };
}

/** Stops the dev S3 server; `deleteData` also removes its buckets (`ferry dev down`). */
export async function devS3Stop(devDir: string, deleteData: boolean): Promise<boolean> {
  const prev = readS3Server(devDir);
  let stopped = false;
  if (prev?.running) { await terminate(prev.pid, 10_000); stopped = true; }
  if (deleteData) rmSync(join(devDir, 's3'), { recursive: true, force: true });
  return stopped;
}

export function formatS3Server(s: S3ServerRecord & { running?: boolean }): string {
  return `  s3        ${s.running === false ? 'stopped' : 'running'}  store.url=${s.endpoint}  s3.bucket.name=${s.bucket}  aws.access.key.id=${s.accessKey}  aws.secret.access.key=${s.secretKey}  (data: ${join(s.dir, 'data')})`;
}

export { sleep };
