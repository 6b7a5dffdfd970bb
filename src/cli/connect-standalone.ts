#!/usr/bin/env node
// `connect-standalone` — the same command line as Apache Kafka's connect-standalone.sh.
import { standaloneMain } from './connect.js';

standaloneMain(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => { console.error(err instanceof Error ? err.message : String(err)); process.exit(1); },
);
