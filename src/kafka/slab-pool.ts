// Reusable buffers for the byte path's output batches. Every new Buffer is external memory to V8, and V8 runs a
// full garbage collection whenever about 64 MB of it has accumulated since the last one: at 150 MB/s, with each
// mirrored byte allocated three times (socket chunk, fetch response, output batch), that was a full GC every
// 50–150 ms on a 24 MB heap (bench/NOTES.md). An output batch framed into a slab that comes back when the batch
// is acknowledged costs no allocation.
//
// Slabs come in power-of-two sizes from 64 KiB up; a batch takes the smallest that fits (at most twice its
// size), smaller batches are allocated as usual. Free slabs are kept up to `retainBytes` in total.

const MIN_SLAB = 64 * 1024;

export class SlabPool {
  private readonly free = new Map<number, Buffer[]>();
  private retained = 0;
  private readonly maxSlab: number;

  /** Slabs up to the power of two that holds `maxBytes`; at most `retainBytes` of free slabs kept. */
  constructor(maxBytes: number, private readonly retainBytes: number) {
    this.maxSlab = slabSize(Math.max(maxBytes, MIN_SLAB));
  }

  /** A slab of at least `bytes` (its full length: the caller uses a prefix), or null when pooling does not pay. */
  take(bytes: number): Buffer | null {
    if (bytes < MIN_SLAB / 2 || bytes > this.maxSlab) return null;
    const size = slabSize(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused) {
      this.retained -= size;
      return reused;
    }
    return Buffer.allocUnsafeSlow(size);
  }

  /** Returns a slab from take() once nothing reads or writes it any more (its batch was acknowledged). */
  give(slab: Buffer): void {
    const size = slab.length;
    if (size !== slabSize(size) || size > this.maxSlab || this.retained + size > this.retainBytes) return;
    let list = this.free.get(size);
    if (!list) { list = []; this.free.set(size, list); }
    list.push(slab);
    this.retained += size;
  }

  /** Bytes held in free slabs. */
  get retainedBytes(): number {
    return this.retained;
  }
}

function slabSize(bytes: number): number {
  let size = MIN_SLAB;
  while (size < bytes) size *= 2;
  return size;
}
