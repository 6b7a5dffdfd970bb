#!/usr/bin/env node
// `ferry <command> …`: one entry point for every Ferry tool. Subcommands load lazily so `ferry dev status`
// does not pay for the Connect runtime.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ferryEnvMarkdown, ferryEnvProblemMessage, ferryEnvProblems, ferryEnvText } from '../config/ferry-env.js';
import { scrubSecrets } from '../config/secrets.js';
import { LOG_FORMATS, LOG_LEVELS, isLogFormat } from '../observability/log-format.js';

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  demo: { summary: 'run the demo: two local clusters, mirror records from one to the other', load: async () => (await import('../dev/demo.js')).demoCommand },
  dev: { summary: 'local Kafka clusters from Maven jars: dev up|down|status', load: async () => (await import('../dev/cli.js')).devCommand },
  mirror: { summary: 'dedicated MirrorMaker mode: mirror mm2.properties [--clusters A B …]', load: async () => (await import('./mirror.js')).mirrorMain },
  offsets: { summary: 'translate a consumer group\'s offsets across clusters: offsets translate --group G --from A --to B [--config mm2.properties]', load: async () => (await import('./offsets.js')).offsetsCommand },
  connect: { summary: 'Connect worker: connect standalone|distributed worker.properties [connector files…]', load: async () => (await import('./connect.js')).connectCommand },
  verify: { summary: 'prove a mirror matches its source: verify --from A --to B [--topics R] [--groups R]', load: async () => (await import('./ops.js')).verifyCommand },
  failover: { summary: 'move consumer groups to the DR cluster: failover --from A --to B --planned|--unplanned', load: async () => (await import('./ops.js')).failoverCommand },
  failback: { summary: 'return to the original cluster after a failover: failback --from B --to A', load: async () => (await import('./ops.js')).failbackCommand },
  migrate: { summary: 'migrate topics and groups: migrate plan|start|status|verify|cutover --from A --to B', load: async () => (await import('./ops.js')).migrateCommand },
  backup: { summary: 'back topics up to S3: backup start|status|groups --topics-regex RE --s3-config FILE', load: async () => (await import('./backup.js')).backupCommand },
  env: { summary: 'the FERRY_* environment variables: their values here, defaults and meaning (env --markdown: the README table)', load: async () => envCommand },
  restore: { summary: 'restore backed-up topics from S3: restore --bootstrap-server H:P --s3-config FILE --topics T [--groups RE]', load: async () => (await import('./restore.js')).restoreCommand },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `Usage: ferry <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n`
    + `Logging options (any command; same as FERRY_LOG_FORMAT / FERRY_LOG_LEVEL):\n`
    + `  --log-format json|pretty   JSON lines, or short lines for people (default: pretty on a terminal, JSON into a pipe or file)\n`
    + `  --log-level LEVEL          ${LOG_LEVELS.join('|')} (default: warn for pretty, info for JSON)\n\n`
    + `Run 'ferry <command> --help' for a command's options.`;
}

/**
 * Takes `--log-format F` / `--log-level L` (also `--opt=value`) out of the arguments, wherever they are before a
 * `--`, and sets FERRY_LOG_FORMAT / FERRY_LOG_LEVEL, which the logger reads when a command loads it (and which
 * processes the command starts inherit). Returns the remaining arguments, or an error message.
 */
export function takeLogOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] | { error: string } {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { out.push(...argv.slice(i)); break; }
    const m = /^--(log-format|log-level)(?:=(.*))?$/.exec(a);
    if (!m) { out.push(a); continue; }
    const value = (m[2] ?? argv[++i])?.trim().toLowerCase();
    if (m[1] === 'log-format') {
      if (!isLogFormat(value)) return { error: `--log-format must be one of ${LOG_FORMATS.join(', ')}${value === undefined ? '' : `, got '${value}'`}` };
      env.FERRY_LOG_FORMAT = value;
    } else {
      if (value === undefined || !LOG_LEVELS.includes(value)) return { error: `--log-level must be one of ${LOG_LEVELS.join(', ')}${value === undefined ? '' : `, got '${value}'`}` };
      env.FERRY_LOG_LEVEL = value;
    }
  }
  return out;
}

/** `ferry env [--markdown]`: the FERRY_* variables; exits 2 when one has a value it does not accept. */
async function envCommand(args: string[]): Promise<number> {
  if (args.length === 1 && args[0] === '--markdown') {
    console.log(ferryEnvMarkdown());
    return 0;
  }
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    console.log('Usage: ferry env [--markdown]\n\nLists the FERRY_* environment variables Ferry reads: the value here (or the default), what each accepts\nand what it does; exits 2 when one is set to a value it does not accept. --markdown prints the README table.');
    return 0;
  }
  if (args.length > 0) {
    console.error(`ferry env: unexpected argument '${args[0]}' (usage: ferry env [--markdown])`);
    return 2;
  }
  console.log(ferryEnvText());
  return ferryEnvProblems().length > 0 ? 2 : 0;
}

export async function main(args: string[]): Promise<number> {
  const argv = takeLogOptions(args);
  if (!Array.isArray(argv)) {
    console.error(`ferry: ${argv.error}\n\n${usage()}`);
    return 2;
  }
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 1;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`ferry: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  // Ferry's own settings are checked once, before a command runs: a value a variable does not accept is refused.
  const envProblem = name === 'env' ? undefined : ferryEnvProblemMessage();
  if (envProblem) {
    console.error(`ferry: ${envProblem}`);
    return 2;
  }
  return (await cmd.load())(rest);
}

function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => { console.error(`ferry: ${scrubSecrets(err instanceof Error ? err.message : String(err))}`); process.exit(1); },
  );
}
