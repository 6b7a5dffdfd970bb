// Kafka's own Java command-line tools (ProducerPerformance, ConsoleConsumer, …) run from the fetched jars,
// so tests can check a local cluster, or a property file, with Kafka's own client rather than Ferry's.
import { spawn } from 'node:child_process';
import { ensureKafkaJars, kafkaDistribution, requireJava } from './jars.js';
import { join } from 'node:path';

export interface KafkaToolResult {
  /** Exit code; null when killed (timeout or signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

export interface KafkaToolOptions {
  kafkaVersion: string;
  /** Fully qualified main class, e.g. org.apache.kafka.tools.ProducerPerformance. */
  mainClass: string;
  args: readonly string[];
  /** SIGKILL after this long (default 60 s). */
  timeoutMs?: number;
  /** Extra JVM options (system properties). */
  jvmOptions?: readonly string[];
  cacheDir?: string;
}

/** Runs one Kafka tool's main class to completion; never throws for a non-zero exit (the caller judges). */
export async function runKafkaTool(opts: KafkaToolOptions): Promise<KafkaToolResult> {
  const java = requireJava(kafkaDistribution(opts.kafkaVersion));
  const lib = await ensureKafkaJars(opts.kafkaVersion, opts.cacheDir ? { cacheDir: opts.cacheDir } : {});
  // A short-lived client JVM: C1 only and serial GC start fastest on a small host.
  const args = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto', '-Djava.awt.headless=true',
    ...(opts.jvmOptions ?? []), '-cp', join(lib, '*'), opts.mainClass, ...opts.args];
  const began = Date.now();
  return new Promise((resolve) => {
    const child = spawn(java, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 60_000);
    child.on('error', (err) => { stderr += err.message; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout, stderr, elapsedMs: Date.now() - began });
    });
  });
}

/** Main classes of Kafka's tools; AclCommand moved from core (Scala) to kafka-tools in 4.0. */
export function toolClass(tool: 'ProducerPerformance' | 'ConsoleConsumer' | 'ConsumerPerformance' | 'AclCommand', kafkaVersion: string): string {
  const d = kafkaDistribution(kafkaVersion);
  if (tool === 'AclCommand') return d.major >= 4 ? 'org.apache.kafka.tools.AclCommand' : 'kafka.admin.AclCommand';
  // Both 3.9 and 4.x carry these in kafka-tools under the same names.
  return tool === 'ConsoleConsumer' ? 'org.apache.kafka.tools.consumer.ConsoleConsumer' : `org.apache.kafka.tools.${tool}`;
}

/**
 * The option naming a client config file. 4.x deprecates --producer.config/--consumer.config for
 * --command-config (KIP-1147) but still takes them, and 3.9 knows only them; 5.0 is expected to drop them.
 */
export function configFileOption(tool: 'producer' | 'consumer', kafkaVersion: string): string {
  return kafkaDistribution(kafkaVersion).major >= 5 ? '--command-config' : `--${tool}.config`;
}
