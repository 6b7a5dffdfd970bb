// The two mirror tools under test, started the same way from the same mm2.properties:
//   Ferry: node <snapshot>/src/cli/connect-mirror-maker.js mm2.properties
//   MM2:   java -Xms256m -Xmx512m … org.apache.kafka.connect.mirror.MirrorMaker mm2.properties
// Ferry is compiled once per benchmark invocation into a private snapshot (tsc --outDir), so edits other
// people make to src/ while the benchmark runs do not change what is measured, and start-up/CPU figures are
// those of compiled JavaScript (no tsx transpiling).
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findJava } from '../../src/dev/jars.js';
import { runToCompletion, startProcess, type Started } from './proc.js';

export type Tool = 'ferry' | 'mm2';
export const TOOLS: readonly Tool[] = ['ferry', 'mm2'];
export const TOOL_LABEL: Record<Tool, string> = { ferry: 'Ferry', mm2: 'MM2' };

export const MM2_HEAP = ['-Xms256m', '-Xmx512m'];
/** kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS (what connect-mirror-maker.sh runs MM2 with). */
export const MM2_JVM_OPTS = ['-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15', '-Djava.awt.headless=true'];

const ROOT = resolve(import.meta.dirname, '..', '..');

export interface FerryBuild { mode: 'build' | 'dist' | 'tsx'; entry: string; nodeArgs: string[]; dir?: string }

/**
 * Compiles Ferry into a private snapshot directory (outside the work tree; node_modules and kafka/ are
 * symlinked so module resolution and projectFile() work as in the repository).
 */
export async function prepareFerry(mode: FerryBuild['mode'], log: (m: string) => void): Promise<FerryBuild> {
  if (mode === 'tsx') return { mode, entry: join(ROOT, 'src/cli/connect-mirror-maker.ts'), nodeArgs: ['--import', 'tsx'] };
  if (mode === 'dist') {
    const entry = join(ROOT, 'dist/src/cli/connect-mirror-maker.js');
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first, or use --ferry build.`);
    return { mode, entry, nodeArgs: [] };
  }
  const dir = join(tmpdir(), `ferry-bench-build-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`Compiling Ferry into ${dir} …`);
  const started = Date.now();
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const r = await runToCompletion(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json'), '--outDir', dir, '--sourceMap', 'false', '--incremental', 'false'], { cwd: ROOT, marker: 'tsc', timeoutMs: 600_000 });
  const entry = join(dir, 'src/cli/connect-mirror-maker.js');
  // tsc emits despite type errors (someone's work in progress); only a missing entry point is fatal.
  if (!existsSync(entry)) throw new Error(`Compiling Ferry failed (exit ${r.code}):\n${r.output.slice(-3000)}`);
  if (r.code !== 0) log(`tsc reported errors (exit ${r.code}); using the emitted JavaScript anyway:\n${r.output.split('\n').slice(0, 10).join('\n')}`);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'kafka'), join(dir, 'kafka'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: pkg['name'], version: pkg['version'], type: 'module' }));
  log(`Compiled in ${((Date.now() - started) / 1000).toFixed(0)}s.`);
  return { mode, entry, nodeArgs: [], dir };
}

export function cleanupFerryBuild(b: FerryBuild | undefined): void {
  if (b?.dir) rmSync(b.dir, { recursive: true, force: true });
}

export interface ToolLaunch {
  tool: Tool;
  propertiesFile: string;
  logFile: string;
  ferry: FerryBuild;
  libDir: string;
  /** Directory for node --cpu-prof output (Ferry only). */
  cpuProfileDir?: string;
}

/** The command line that starts a tool (also written into the results for reproduction). */
export function toolCommand(l: ToolLaunch): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (l.tool === 'ferry') {
    const prof = l.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${l.cpuProfileDir}`] : [];
    return {
      cmd: process.execPath,
      args: [...l.ferry.nodeArgs, ...prof, l.ferry.entry, l.propertiesFile],
      env: { ...process.env, FERRY_LOG_LEVEL: 'info' },
    };
  }
  return {
    cmd: findJava(),
    args: [...MM2_HEAP, ...MM2_JVM_OPTS, `-Dlog4j2.configurationFile=${join(ROOT, 'bench/mm2-log4j2.properties')}`, `-Dferry.bench.log.file=${l.logFile}`,
      '-cp', join(l.libDir, '*'), 'org.apache.kafka.connect.mirror.MirrorMaker', l.propertiesFile],
    env: { ...process.env },
  };
}

export function startTool(l: ToolLaunch): Started {
  const { cmd, args, env } = toolCommand(l);
  if (l.cpuProfileDir) mkdirSync(l.cpuProfileDir, { recursive: true });
  return startProcess(cmd, args, { cwd: ROOT, env, logFile: l.tool === 'ferry' ? l.logFile : `${l.logFile}.stdout`, marker: l.propertiesFile });
}

export const PROJECT_ROOT = ROOT;
