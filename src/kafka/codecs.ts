// Kafka's record-batch compression codecs (none, gzip, snappy, lz4, zstd) in one module: synchronous
// Buffer → Buffer functions that the batch encoder, the fetch decoder and the byte path's rewriter call once
// per batch, plus the producer-side settings (`compression.type`, `compression.<codec>.level`).
//
// Libraries: node's zlib (gzip), `snappy` (napi-rs, raw snappy blocks; the xerial framing Java writes is
// done here), `lz4-napi` (lz4_flex, LZ4 frame format), `zstd-napi` (libzstd). All are native; the synchronous
// functions cost one call and no promise. compressAsync/decompressAsync do the same work off the main thread
// (libuv's pool for gzip, snappy and lz4; a worker thread for zstd, whose binding has no async call) for the
// byte path's large batches, see codec-async.ts.
import { kafkajsCompression, type KafkajsCodec } from './kafkajs-internals.js';
import zlib from 'node:zlib';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { compressFrameSync as lz4CompressFrame, decompressFrameSync as lz4DecompressFrame } from 'lz4-napi';
import { Compressor as ZstdCompressor, decompress as zstdDecompress } from 'zstd-napi';

export type CodecName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Codec ids as stored in the low 3 bits of a RecordBatch's attributes. */
export const CODEC_IDS: Readonly<Record<CodecName, number>> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const BY_ID: readonly CodecName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
export const CODEC_MASK = 0x07;

/** Name of a codec id, or undefined for ids Kafka does not define (5..7). */
export function codecName(id: number): CodecName | undefined {
  return BY_ID[id];
}

/** A (de)compression failure; `codec` is the codec's name, or `id-N` for an unknown codec id. */
export class CompressionError extends Error {
  override readonly name = 'CompressionError';
  constructor(readonly codec: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

// ---- levels (Kafka's ranges and defaults) ------------------------------------------------------------

/** Kafka's level bounds; gzip also accepts -1 (zlib's default). */
export const LEVELS = {
  gzip: { key: 'compression.gzip.level', min: 1, max: 9, default: -1 },
  lz4: { key: 'compression.lz4.level', min: 1, max: 17, default: 9 },
  // zstd's negative levels (fast modes) down to ZSTD_minCLevel() are valid in Kafka too.
  zstd: { key: 'compression.zstd.level', min: -131072, max: 22, default: 3 },
} as const;

export interface CompressionSettings {
  codec: CodecName;
  id: number;
  /** The level for the codec (undefined for none/snappy, which have none). */
  level: number | undefined;
}

function parseLevel(codec: 'gzip' | 'lz4' | 'zstd', raw: string | undefined): number {
  const spec = LEVELS[codec];
  if (raw === undefined || raw.trim() === '') return spec.default;
  const s = raw.trim();
  const n = /^[+-]?\d+$/.test(s) ? Number(s) : NaN;
  const ok = Number.isSafeInteger(n) && ((n >= spec.min && n <= spec.max) || (codec === 'gzip' && n === -1));
  if (!ok) {
    const expected = codec === 'gzip' ? 'an integer in [1,...,9] or -1' : `an integer in [${spec.min},...,${spec.max}]`;
    throw new Error(`Invalid value ${raw} for configuration ${spec.key}: expected ${expected}`);
  }
  return n;
}

/**
 * The producer's compression from Java-style producer properties. Unknown codecs and out-of-range levels are
 * errors naming the key and the value (Kafka's ConfigException), raised when the producer is built.
 */
export function compressionSettings(props: Readonly<Record<string, string | undefined>>): CompressionSettings {
  const raw = props['compression.type'];
  const name = (raw ?? 'none').trim().toLowerCase();
  if (!(name in CODEC_IDS)) {
    throw new Error(`Invalid value ${raw ?? ''} for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd`);
  }
  const codec = name as CodecName;
  // Every level key is validated (as Kafka does), not only the chosen codec's.
  const levels = { gzip: parseLevel('gzip', props[LEVELS.gzip.key]), lz4: parseLevel('lz4', props[LEVELS.lz4.key]), zstd: parseLevel('zstd', props[LEVELS.zstd.key]) };
  const level = codec === 'gzip' || codec === 'lz4' || codec === 'zstd' ? levels[codec] : undefined;
  // Java compresses lz4 with LZ4's fast compressor at the default level 9 and its high-compression mode at
  // other levels; lz4-napi has only the fast one, so another level is refused rather than silently ignored.
  if (codec === 'lz4' && level !== LEVELS.lz4.default) {
    throw new Error(`Invalid value ${props[LEVELS.lz4.key] ?? ''} for configuration ${LEVELS.lz4.key}: Ferry's lz4 codec has only LZ4's fast compressor, which Kafka uses at the default level ${LEVELS.lz4.default}; remove the setting or set it to ${LEVELS.lz4.default}`);
  }
  return { codec, id: CODEC_IDS[codec], level };
}

// ---- snappy: xerial framing ----------------------------------------------------------------------------

// Java producers write snappy through xerial's SnappyOutputStream: an 8-byte magic, version 1 and
// compatible-version 1 (int32 BE each), then chunks of [int32 BE length][raw snappy block], each block
// compressing up to 32 KiB of input.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_BLOCK = 32 * 1024;

function isXerialAt(buf: Buffer, pos: number): boolean {
  return buf.length - pos >= XERIAL_MAGIC.length && buf.compare(XERIAL_MAGIC, 0, XERIAL_MAGIC.length, pos, pos + XERIAL_MAGIC.length) === 0;
}

function snappyRaw(block: Buffer): Buffer {
  const out = snappyUncompress(block, { asBuffer: true });
  return typeof out === 'string' ? Buffer.from(out) : out;
}

/** The input split into the pieces xerial compresses one block each. */
export function xerialPieces(data: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK) pieces.push(data.subarray(pos, Math.min(pos + XERIAL_BLOCK, data.length)));
  return pieces;
}

/** A xerial stream of compressed blocks: header, then [int32 BE length][block] per block. */
export function xerialFrame(blocks: readonly Buffer[]): Buffer {
  let size = XERIAL_HEADER_BYTES;
  for (const b of blocks) size += 4 + b.length;
  const out = Buffer.allocUnsafe(size);
  XERIAL_MAGIC.copy(out, 0);
  let pos = out.writeInt32BE(1, 8);
  pos = out.writeInt32BE(1, pos);
  for (const b of blocks) {
    pos = out.writeInt32BE(b.length, pos);
    pos += b.copy(out, pos);
  }
  return out;
}

function snappyXerialEncode(data: Buffer): Buffer {
  return xerialFrame(xerialPieces(data).map((piece) => snappyCompress(piece)));
}

/** Decodes xerial framing (several concatenated streams too, as xerial's reader does) or a raw snappy block. */
function snappyDecode(buf: Buffer): Buffer {
  const parts = snappyBlocks(buf).map(snappyRaw);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** Raw snappy blocks of a xerial stream (or the one raw block). */
export function snappyBlocks(buf: Buffer): Buffer[] {
  if (!isXerialAt(buf, 0)) return [buf];
  const blocks: Buffer[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (isXerialAt(buf, pos)) {
      if (buf.length - pos < XERIAL_HEADER_BYTES) throw new Error('truncated xerial snappy header');
      pos += XERIAL_HEADER_BYTES;
      continue;
    }
    if (buf.length - pos < 4) throw new Error(`truncated xerial snappy chunk length at byte ${pos}`);
    const len = buf.readInt32BE(pos);
    pos += 4;
    if (len < 0 || pos + len > buf.length) throw new Error(`xerial snappy chunk of ${len} bytes at byte ${pos - 4} exceeds the ${buf.length}-byte input`);
    blocks.push(buf.subarray(pos, pos + len));
    pos += len;
  }
  return blocks;
}

// ---- lz4 -------------------------------------------------------------------------------------------------

// Magic v2 batches carry a standard LZ4 frame (the header-checksum quirk of Kafka's old LZ4 framing applies
// to magic v0 only, which Kafka 4 no longer reads or writes). Java's reader accepts only frames with
// independent blocks, 64 KiB..4 MiB, which is what lz4_flex writes by default. lz4_flex has no
// high-compression mode, so compressionSettings refuses levels other than Kafka's default (9, which Java
// also maps to the fast compressor).
function lz4Encode(data: Buffer): Buffer {
  return lz4CompressFrame(data);
}

// ---- zstd ------------------------------------------------------------------------------------------------

// One Compressor per level: libzstd contexts are costly to create and reusable; the byte path compresses
// many batches in a row with the same settings.
const zstdCompressors = new Map<number, ZstdCompressor>();
function zstdEncode(data: Buffer, level: number): Buffer {
  let c = zstdCompressors.get(level);
  if (!c) {
    c = new ZstdCompressor();
    c.setParameters({ compressionLevel: level });
    zstdCompressors.set(level, c);
  }
  return c.compress(data);
}

// ---- the API ---------------------------------------------------------------------------------------------

/** The codec's name; an id Kafka does not define is a CompressionError. */
export function resolveCodec(codec: CodecName | number): CodecName {
  const name = typeof codec === 'number' ? codecName(codec) : codec;
  if (name === undefined) throw new CompressionError(`id-${String(codec)}`, `Unknown compression codec id ${String(codec)}`);
  return name;
}

/**
 * Compresses one batch's records section. `level` defaults to Kafka's default for the codec; it is validated
 * by compressionSettings, not here (this is the per-batch path).
 */
export function compress(codec: CodecName | number, data: Buffer, level?: number): Buffer {
  const name = resolveCodec(codec);
  try {
    switch (name) {
      case 'none': return data;
      case 'gzip': return zlib.gzipSync(data, { level: level ?? LEVELS.gzip.default });
      case 'snappy': return snappyXerialEncode(data);
      case 'lz4': return lz4Encode(data);
      case 'zstd': return zstdEncode(data, level ?? LEVELS.zstd.default);
    }
  } catch (e) {
    throw new CompressionError(name, `${name} compression failed: ${(e as Error).message}`, { cause: e });
  }
}

/** Decompresses one batch's records section; a failure is a CompressionError naming the codec. */
export function decompress(codec: CodecName | number, data: Buffer): Buffer {
  const name = resolveCodec(codec);
  try {
    switch (name) {
      case 'none': return data;
      case 'gzip': return zlib.gunzipSync(data);
      case 'snappy': return snappyDecode(data);
      case 'lz4': return lz4DecompressFrame(data);
      case 'zstd': return zstdDecompress(data);
    }
  } catch (e) {
    throw new CompressionError(name, `${name} decompression failed: ${(e as Error).message}`, { cause: e });
  }
}

/** A per-producer compressor with the level bound once (no option objects per batch). */
export function compressorFor(settings: CompressionSettings): (data: Buffer) => Buffer {
  const { codec, level } = settings;
  return (data) => compress(codec, data, level);
}

// ---- kafkajs ---------------------------------------------------------------------------------------------

// kafkajs looks codecs up in one shared map ({ id: () => { compress(encoder), decompress(buffer) } }) and
// throws for snappy, lz4 and zstd; filling it makes every kafkajs consumer and decoder read all codecs.

// Done once, when this module loads.
for (const name of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
  const codec: KafkajsCodec = {
    compress: (encoder) => Promise.resolve().then(() => compress(name, encoder.buffer)),
    decompress: (buffer) => Promise.resolve().then(() => decompress(name, buffer)),
  };
  kafkajsCompression.Codecs[CODEC_IDS[name]] = () => codec;
}
