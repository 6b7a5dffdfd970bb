#!/usr/bin/env node
// `connect-standalone` — the same command line as Apache Kafka's connect-standalone.sh.
import { ferryEnvProblemMessage } from '../config/ferry-env.js';

// Ferry's FERRY_* settings are checked before the runtime loads: a value a variable does not accept is refused.
const envProblem = ferryEnvProblemMessage();
if (envProblem) {
  console.error(envProblem);
  process.exit(2);
}
const { standaloneMain } = await import('./connect.js');

standaloneMain(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => { console.error(err instanceof Error ? err.message : String(err)); process.exit(1); },
);
