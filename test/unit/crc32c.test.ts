// CRC32C: known vectors, and agreement with kafkajs's byte-table implementation on random buffers (every
// length around the 8-byte slice boundary, and offsets into a larger buffer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { crc32c, crc32cJs, crc32cImplementation } from '../../src/kafka/crc32c.js';

const require = createRequire(import.meta.url);
const kafkajsCrc = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;

test('known vectors', () => {
  const v = Buffer.from('123456789');
  assert.equal(crc32cJs(v), 0xe3069283);
  assert.equal(crc32c(v), 0xe3069283);
  assert.equal(crc32cJs(Buffer.alloc(0)), 0);
  // RFC 3720 B.4: 32 bytes of zeros, 32 bytes of 0xff, 0..31 ascending.
  assert.equal(crc32cJs(Buffer.alloc(32, 0)), 0x8a9136aa);
  assert.equal(crc32cJs(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  assert.equal(crc32cJs(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
  assert.equal(crc32c(Buffer.alloc(100, 0xff)), crc32cJs(Buffer.alloc(100, 0xff)));
  assert.match(crc32cImplementation, /native|javascript/);
});

test('agrees with kafkajs on random buffers, both implementations, any length and offset', () => {
  for (let len = 0; len < 300; len++) {
    const b = randomBytes(len);
    const want = kafkajsCrc(b) >>> 0;
    assert.equal(crc32cJs(b), want, `js, length ${len}`);
    assert.equal(crc32c(b), want, `default, length ${len}`);
  }
  const big = randomBytes(1 << 20);
  assert.equal(crc32c(big), kafkajsCrc(big) >>> 0);
  assert.equal(crc32cJs(big), kafkajsCrc(big) >>> 0);
  const sub = big.subarray(13, 70_013);
  assert.equal(crc32cJs(big, 13, 70_013), kafkajsCrc(sub) >>> 0);
  assert.equal(crc32c(sub), kafkajsCrc(sub) >>> 0);
  // Continuation: crc of a||b from crc of a.
  assert.equal(crc32cJs(big, 5000, big.length, crc32cJs(big, 0, 5000)), crc32cJs(big));
});
