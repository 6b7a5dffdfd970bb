#!/usr/bin/env node
// `connect-mirror-maker mm2.properties [--clusters A B …]` — the same command line as Apache Kafka's
// connect-mirror-maker.sh (also `ferry mirror …`).
import { mirrorMain } from './mirror.js';

mirrorMain(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => { console.error(err instanceof Error ? err.message : String(err)); process.exit(1); },
);
