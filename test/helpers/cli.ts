// Runs Ferry's CLI (`src/cli/ferry.ts` through tsx) as a user would, capturing its output.
import { spawn } from 'node:child_process';

export interface CliResult { code: number | null; stdout: string; stderr: string }

export const REPO = new URL('../..', import.meta.url).pathname;

/**
 * `ferry <args>` in the repository, with `env` added to (or, for undefined values, removed from) the test's
 * environment. FERRY_LOG_LEVEL is unset unless given, so the CLI picks its own level as for a user.
 */
export function runFerry(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const fullEnv: NodeJS.ProcessEnv = { ...process.env };
    delete fullEnv.FERRY_LOG_LEVEL;
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete fullEnv[k];
      else fullEnv[k] = v;
    }
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ferry.ts', ...args], { cwd: REPO, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
