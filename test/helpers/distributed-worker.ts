// A distributed Ferry worker in its own process, for tests that need a real `kill -9`:
//   node --import tsx test/helpers/distributed-worker.ts '<worker props as JSON>'
// Prints `READY <rest url> <worker id>` on stdout once the worker has joined its group; SIGTERM stops it.
import { startDistributed } from '../../src/app/distributed.js';

const props = JSON.parse(process.argv[2] ?? '{}') as Record<string, string>;
startDistributed(props).then((handle) => {
  process.stdout.write(`READY ${handle.url} ${handle.herder.workerId()}\n`);
  const stop = () => { handle.stop().then(() => process.exit(0), () => process.exit(1)); };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}, (err: unknown) => {
  process.stderr.write(`worker failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
