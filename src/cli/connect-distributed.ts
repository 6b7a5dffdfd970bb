#!/usr/bin/env node
// `connect-distributed` — the same command line as Apache Kafka's connect-distributed.sh.
import { distributedMain } from './connect.js';

distributedMain(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => { console.error(err instanceof Error ? err.message : String(err)); process.exit(1); },
);
