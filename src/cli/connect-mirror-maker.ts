#!/usr/bin/env node
// `connect-mirror-maker mm2.properties [--clusters A B …]` — the same command line as Apache Kafka's
// connect-mirror-maker.sh (also `ferry mirror …`).
import { ferryEnvProblemMessage } from '../config/ferry-env.js';

// Ferry's FERRY_* settings are checked before the runtime loads: a value a variable does not accept is refused.
const envProblem = ferryEnvProblemMessage();
if (envProblem) {
  console.error(envProblem);
  process.exit(2);
}
const { mirrorMain } = await import('./mirror.js');

mirrorMain(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => { console.error(err instanceof Error ? err.message : String(err)); process.exit(1); },
);
