#!/usr/bin/env node
// `ferry <command> …`: one entry point for every Ferry tool. Subcommands load lazily so `ferry dev status`
// does not pay for the Connect runtime.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scrubSecrets } from '../config/secrets.js';

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
  restore: { summary: 'restore backed-up topics from S3: restore --bootstrap-server H:P --s3-config FILE --topics T [--groups RE]', load: async () => (await import('./restore.js')).restoreCommand },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `Usage: ferry <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'ferry <command> --help' for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
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
