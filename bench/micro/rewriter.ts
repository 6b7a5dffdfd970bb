// Micro-benchmark of the byte path's rewriter alone (no I/O): µs per record for 1 MiB record sets.
// Run: node --import tsx bench/micro/rewriter.ts
import { encodeRecordBatch, type BatchRecord } from '../../src/kafka/record-batch.js';
import { rewriteRecordSet } from '../../src/kafka/batch-rewriter.js';
import { CODEC_IDS, compressorFor, compressionSettings } from '../../src/kafka/codecs.js';

function set(valueBytes: number, perBatch: number, headers: number, codec: 'none' | 'lz4', provenance = false): { buf: Buffer; records: number } {
  const parts: Buffer[] = [];
  let n = 0;
  let size = 0;
  const compression = codec === 'none' ? undefined : { id: CODEC_IDS[codec], compress: compressorFor(compressionSettings({ 'compression.type': codec })) };
  while (size < 1 << 20) {
    const recs: BatchRecord[] = [];
    for (let i = 0; i < perBatch; i++) {
      const h: Array<[string, Buffer | null]> = [];
      for (let k = 0; k < headers; k++) h.push([`h${k}`, Buffer.from('value')]);
      if (provenance) h.push(['ferry.provenance', Buffer.from('origin')]);
      recs.push({ key: Buffer.from(`key-${n + i}`), value: Buffer.alloc(valueBytes, 97 + (i % 20)), headers: h, timestamp: 1_700_000_000_000 + i });
    }
    const b = encodeRecordBatch(recs, { producerId: 1, producerEpoch: 0, baseSequence: n, ...(compression ? { compression } : {}) });
    b.writeBigInt64BE(BigInt(n), 0);
    parts.push(b);
    n += perBatch;
    size += b.length;
  }
  return { buf: Buffer.concat(parts), records: n };
}

// The last field: false runs with ferry.provenance.header resolving to no hop (batches forwarded whole when they can be).
const cases: Array<[string, number, number, number, 'none' | 'lz4', 'none' | 'lz4', boolean?, boolean?]> = [
  ['100 B, 2000/batch', 100, 2000, 0, 'none', 'none'],
  ['1 KiB, 240/batch', 1024, 240, 0, 'none', 'none'],
  ['100 B, 4/batch, 2 headers', 100, 4, 2, 'none', 'none'],
  ['100 B, 200/batch, 2 headers + provenance (second hop)', 100, 200, 2, 'none', 'none', true],
  ['100 B, 2000/batch, lz4 -> lz4', 100, 2000, 0, 'lz4', 'lz4'],
  ['100 B, 2000/batch, none -> none, provenance never', 100, 2000, 0, 'none', 'none', false, false],
  ['100 B, 4/batch, 2 headers, none -> none, provenance never', 100, 4, 2, 'none', 'none', false, false],
  ['100 B, 2000/batch, lz4 -> lz4, provenance never', 100, 2000, 0, 'lz4', 'lz4', false, false],
];
for (const [name, vb, pb, hc, srcCodec, dstCodec, provenance, addHop] of cases) {
  const { buf, records } = set(vb, pb, hc, srcCodec, provenance);
  const compression = dstCodec === 'none' ? undefined : { id: CODEC_IDS[dstCodec], compress: compressorFor(compressionSettings({ 'compression.type': dstCodec })) };
  const opts = { fetchOffset: 0, abortedTransactions: null, checkCrc: true, provenanceHeader: 'ferry.provenance', sourceAlias: 'source', targetAlias: 'target', addHop: addHop ?? true, compression, maxBatchBytes: 943_718 };
  for (let i = 0; i < 5; i++) rewriteRecordSet(buf, opts);
  const runs: number[] = [];
  const cpu: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const t = process.hrtime.bigint();
    const c = process.cpuUsage();
    const iters = 20;
    for (let i = 0; i < iters; i++) rewriteRecordSet(buf, opts);
    const used = process.cpuUsage(c);
    runs.push(Number(process.hrtime.bigint() - t) / 1e3 / (iters * records));
    cpu.push((used.user + used.system) / (iters * records));
  }
  runs.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  // CPU time as well: on a loaded machine it moves much less than wall time.
  console.log(`${name}: ${runs[1]!.toFixed(3)} µs/record wall, ${cpu[1]!.toFixed(3)} CPU (medians of 3; ${records} records per 1 MiB set, CRC check on)`);
}
