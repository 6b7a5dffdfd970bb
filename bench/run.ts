// `npm run bench [-- --suite …] [--quick]`: Ferry vs Apache MirrorMaker 2 on the same local clusters.
// See bench/lib/args.ts for options and bench/RESULTS.md for the latest figures. Every process it starts
// (brokers, mirror tools, perf tools, the rate producer) is killed when it ends or is interrupted.
// The harness's own Kafka clients log only errors (set before any module creates its logger).
process.env.FERRY_LOG_LEVEL ??= 'error';
await import('./lib/main.js');
