import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { crc32c, crc32cJs } from '../../src/kafka/crc32c.js';
const require = createRequire(import.meta.url);
const k = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
const b = randomBytes(1 << 20);
for (const [n, f] of [['kafkajs', k], ['js slicing-by-8', (x: Buffer) => crc32cJs(x)], ['default', crc32c]] as const) {
  for (let i = 0; i < 3; i++) f(b);
  const t = process.hrtime.bigint(); const N = 50; for (let i = 0; i < N; i++) f(b);
  const s = Number(process.hrtime.bigint() - t) / 1e9; console.log(n, (N / s).toFixed(0), 'MB/s');
}
