// Compression off the main thread, for the byte path's large batches: the same bytes as codecs.ts's
// compress/decompress, computed while the main thread rewrites other partitions.
//   - gzip: node's zlib on libuv's thread pool;
//   - snappy: the `snappy` binding's async calls (libuv's pool), one per 32 KiB xerial block, framed here;
//   - lz4: `lz4-napi`'s async frame calls (libuv's pool);
//   - zstd: `zstd-napi` has no async call, so a small pool of worker threads runs it (started on first use,
//     unref'd so it never keeps a process alive). Input is copied once and moved to the worker; output is moved back.
// A failure is a CompressionError naming the codec, as from the synchronous functions.
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import zlib from 'node:zlib';
import { compress as snappyCompressAsync, uncompress as snappyUncompressAsync } from 'snappy';
import { compressFrame as lz4CompressFrameAsync, decompressFrame as lz4DecompressFrameAsync } from 'lz4-napi';
import { CompressionError, LEVELS, resolveCodec, snappyBlocks, xerialFrame, xerialPieces, type CodecName } from './codecs.js';

/** Below this many bytes a batch is (de)compressed inline: a hand-off costs more than it saves. */
export const ASYNC_CODEC_MIN_BYTES = 64 * 1024;

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** Compresses one batch's records section off the main thread (see compress in codecs.ts). */
export async function compressAsync(codec: CodecName | number, data: Buffer, level?: number): Promise<Buffer> {
  const name = resolveCodec(codec);
  try {
    switch (name) {
      case 'none': return data;
      case 'gzip': return await gzip(data, { level: level ?? LEVELS.gzip.default });
      case 'snappy': return xerialFrame(await Promise.all(xerialPieces(data).map((piece) => snappyCompressAsync(piece))));
      case 'lz4': return await lz4CompressFrameAsync(data);
      case 'zstd': return await zstdPool().run('compress', data, level ?? LEVELS.zstd.default);
    }
  } catch (e) {
    throw new CompressionError(name, `${name} compression failed: ${(e as Error).message}`, { cause: e });
  }
}

/** Decompresses one batch's records section off the main thread (see decompress in codecs.ts). */
export async function decompressAsync(codec: CodecName | number, data: Buffer): Promise<Buffer> {
  const name = resolveCodec(codec);
  try {
    switch (name) {
      case 'none': return data;
      case 'gzip': return await gunzip(data);
      case 'snappy': {
        const parts = await Promise.all(snappyBlocks(data).map(async (block) => {
          const out = await snappyUncompressAsync(block, { asBuffer: true });
          return typeof out === 'string' ? Buffer.from(out) : out;
        }));
        return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      }
      case 'lz4': return await lz4DecompressFrameAsync(data);
      case 'zstd': return await zstdPool().run('decompress', data, 0);
    }
  } catch (e) {
    throw new CompressionError(name, `${name} decompression failed: ${(e as Error).message}`, { cause: e });
  }
}

// ---- zstd worker pool --------------------------------------------------------------------------------------

// The worker is plain CommonJS evaluated from this string, so it runs the same whether Ferry runs from
// TypeScript (tsx) or compiled JavaScript; it loads zstd-napi from the path the main thread resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const zstd = require(workerData.zstdPath);
const compressors = new Map();
parentPort.on('message', (m) => {
  try {
    let out;
    if (m.op === 'compress') {
      let c = compressors.get(m.level);
      if (!c) { c = new zstd.Compressor(); c.setParameters({ compressionLevel: m.level }); compressors.set(m.level, c); }
      out = c.compress(m.data);
    } else {
      out = zstd.decompress(m.data);
    }
    const owned = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : Buffer.from(out);
    parentPort.postMessage({ id: m.id, data: owned }, [owned.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) });
  }
});
`;

interface Pending { resolve(b: Buffer): void; reject(e: Error): void }

class ZstdPool {
  private readonly workers: Array<{ worker: Worker; pending: Map<number, Pending> }> = [];
  private next = 0;
  private ids = 0;

  constructor(size: number) {
    const zstdPath = createRequire(import.meta.url).resolve('zstd-napi');
    for (let i = 0; i < size; i++) {
      const pending = new Map<number, Pending>();
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { zstdPath } });
      worker.unref();
      worker.on('message', (m: { id: number; data?: Uint8Array; error?: string }) => {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.error !== undefined) p.reject(new Error(m.error));
        else p.resolve(Buffer.from(m.data!.buffer, m.data!.byteOffset, m.data!.byteLength));
      });
      const failAll = (e: Error): void => {
        for (const p of pending.values()) p.reject(e);
        pending.clear();
        const at = this.workers.findIndex((w) => w.worker === worker);
        if (at >= 0) this.workers.splice(at, 1);
        if (this.workers.length === 0 && pool === this) pool = null; // the next call starts a new pool
      };
      worker.on('error', failAll);
      worker.on('exit', (code) => failAll(new Error(`zstd worker exited (code ${code})`)));
      this.workers.push({ worker, pending });
    }
  }

  run(op: 'compress' | 'decompress', data: Buffer, level: number): Promise<Buffer> {
    const w = this.workers[this.next++ % this.workers.length];
    if (!w) return Promise.reject(new Error('no zstd worker running'));
    const id = this.ids++;
    return new Promise<Buffer>((resolve, reject) => {
      w.pending.set(id, { resolve, reject });
      // One copy into a buffer of its own, moved to the worker: cloning a view would copy its whole backing
      // store (a fetch response, a scratch buffer), and those cannot be moved.
      const own = Buffer.allocUnsafeSlow(data.length);
      data.copy(own);
      w.worker.postMessage({ id, op, level, data: own }, [own.buffer]);
    });
  }
}

let pool: ZstdPool | null = null;
function zstdPool(): ZstdPool {
  // One worker per core beside the main thread's, at most four.
  pool ??= new ZstdPool(Math.max(1, Math.min(4, availableParallelism() - 1)));
  return pool;
}
