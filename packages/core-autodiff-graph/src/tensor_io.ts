/**
 * Tensor files in the safetensors layout (https://github.com/huggingface/safetensors):
 *
 *   bytes 0..8     N, the header length, unsigned 64-bit little-endian
 *   bytes 8..8+N   JSON header, UTF-8, padded with spaces to a multiple of 8:
 *                    { "__metadata__": { "format": "mgail-tensors", "format_version": "2",
 *                                        "mgail_metadata": "<JSON of the caller's metadata>",
 *                                        "checksum": "<CRC-32, 8 hex digits>" },
 *                      "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ... }
 *   bytes 8+N..    raw little-endian tensor data; offsets are relative to this point
 *
 * Python reads it with `safetensors.numpy.load_file(path)`, and the metadata with
 * `json.loads(safe_open(path, 'np').metadata()['mgail_metadata'])`.
 */
import fs, { promises as fsp } from 'node:fs';
import zlib from 'node:zlib';
import * as path from 'node:path';
import type { TensorData, TensorRecord, WeightArray } from './variables.js';
import { describeFsError } from './run.js';

/** The `format` written into a tensor file's metadata. */
export const TENSOR_FORMAT = 'mgail-tensors';
/**
 * The version of the tensor file layout: "2" files always carry a checksum (one without it was
 * edited or damaged and is refused); "1" files predate it and load unchecked, their contents
 * left to the readers' own checks (finite weights, shapes, normalizer statistics).
 */
export const TENSOR_FORMAT_VERSION = '2';

type DType = 'F32' | 'F64' | 'I32';

/**
 * CRC-32 of the header (with the checksum field as CHECKSUM_BLANK) and the data: a bit flipped
 * on disk in a weight or in the metadata (a normalizer mean) would otherwise load as a
 * plausible, wrong value. Version-1 files and other writers' safetensors files have no such
 * field and load unchecked; a version-2 file must have it.
 */
const CHECKSUM_BLANK = '00000000';
const nativeCrc32 = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
let crcTable: Uint32Array | null = null;

/** Zip's CRC-32 of the bytes (or of parts in order, as one): node:zlib's where it exists (Node >= 20.15), else the table-driven one. */
export function crc32(data: Uint8Array | readonly Uint8Array[]): number {
  const parts = data instanceof Uint8Array ? [data] : data;
  if (typeof nativeCrc32 === 'function') {
    let c = 0;
    for (const p of parts) c = nativeCrc32(p, c);
    return c >>> 0;
  }
  return crc32Table(parts);
}

/** The portable CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320). */
export function crc32Table(data: Uint8Array | readonly Uint8Array[]): number {
  const parts = data instanceof Uint8Array ? [data] : data;
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const p of parts) for (let i = 0; i < p.length; i++) c = crcTable[(c ^ p[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

const DTYPES: Record<DType, { bytes: number; make: (buf: ArrayBuffer) => WeightArray }> = {
  F32: { bytes: 4, make: (b) => new Float32Array(b) },
  F64: { bytes: 8, make: (b) => new Float64Array(b) },
  I32: { bytes: 4, make: (b) => new Int32Array(b) },
};

function dtypeOf(a: WeightArray): DType {
  if (a instanceof Float32Array) return 'F32';
  if (a instanceof Float64Array) return 'F64';
  if (a instanceof Int32Array) return 'I32';
  throw new Error('unsupported array type');
}

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error('tensor files: big-endian hosts are not supported');
  }
}

/** A tensor file's contents: the tensors (as data) and the metadata. */
export interface DecodedTensors {
  tensors: TensorRecord;
  metadata: Record<string, unknown>;
}

/** Encodes named tensors (a plain Float32Array is a 1-D tensor) and JSON-able metadata. */
export function encodeTensors(
  tensors: Record<string, TensorData | WeightArray>,
  metadata: Record<string, unknown> = {},
): Uint8Array {
  assertLittleEndian();
  const header: Record<string, unknown> = {
    __metadata__: {
      format: TENSOR_FORMAT,
      format_version: TENSOR_FORMAT_VERSION,
      mgail_metadata: JSON.stringify(metadata),
      checksum: CHECKSUM_BLANK,
    },
  };
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(tensors)) {
    if (name === '__metadata__') throw new Error(`encodeTensors: '__metadata__' is reserved and cannot name a tensor`);
    const t = tensors[name];
    const td: TensorData = ArrayBuffer.isView(t) ? { data: t, shape: [t.length] } : t;
    let dtype: DType;
    try {
      dtype = dtypeOf(td.data);
    } catch {
      throw new Error(`encodeTensors: ${name} is not a Float32Array, Float64Array or Int32Array`);
    }
    const size = td.shape.reduce((a, b) => a * b, 1);
    if (td.shape.some((d) => !Number.isInteger(d) || d < 0) || size !== td.data.length) {
      throw new Error(`encodeTensors: ${name} has ${td.data.length} values for shape [${td.shape.join(', ')}]`);
    }
    const bytes = new Uint8Array(td.data.buffer, td.data.byteOffset, td.data.byteLength);
    header[name] = { dtype, shape: [...td.shape], data_offsets: [offset, offset + bytes.byteLength] };
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad to 8 bytes so the data section stays aligned for every dtype (as the Rust writer does).
  const jsonLen = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonLen % 8)) % 8);
  const blankBytes = new TextEncoder().encode(json);
  // the checksum replaces its blank in place: same length, so no offset moves
  const sum = hex8(crc32([blankBytes, ...parts]));
  const headerBytes = new TextEncoder().encode(json.replace(`"checksum":"${CHECKSUM_BLANK}"`, `"checksum":"${sum}"`));
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Decodes a tensor file's bytes; `source` names it in errors. Any safetensors file of F32/F64/I32 is accepted. */
export function decodeTensors(bytes: Uint8Array, source = '<memory>'): DecodedTensors {
  assertLittleEndian();
  const fail = (problem: string): never => {
    throw new Error(`${source}: ${problem}`);
  };
  if (bytes.byteLength < 8) fail(`truncated: ${bytes.byteLength} bytes, a tensor file starts with an 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (n > BigInt(bytes.byteLength - 8)) {
    fail(`truncated or not a tensor file: header length ${n} exceeds the ${bytes.byteLength - 8} bytes after it`);
  }
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`bad header: not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('bad header: not a JSON object');
  const h = header as Record<string, unknown>;
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const tensors: TensorRecord = {};
  let metadata: Record<string, unknown> = {};
  const ranges: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(h)) {
    if (name === '__metadata__') {
      const meta = entry as Record<string, unknown> | null;
      if (typeof meta !== 'object' || meta === null) fail('bad header: __metadata__ is not an object');
      const raw = meta!.mgail_metadata;
      if (typeof raw === 'string') {
        try {
          metadata = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          fail('bad header: __metadata__.mgail_metadata is not JSON');
        }
      } else {
        // A safetensors file from elsewhere: its string-to-string metadata as is.
        metadata = { ...meta };
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof e !== 'object' || e === null) fail(`bad header: entry ${name} is not an object`);
    const dtype = e!.dtype as DType;
    if (typeof dtype !== 'string' || !(dtype in DTYPES)) {
      fail(`tensor ${name}: dtype ${String(e!.dtype)} is not supported (use ${Object.keys(DTYPES).join(', ')})`);
    }
    const shape = e!.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      fail(`tensor ${name}: bad shape ${JSON.stringify(shape)}`);
    }
    const offs = e!.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[0] > offs[1]) {
      fail(`tensor ${name}: bad data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    const { bytes: width, make } = DTYPES[dtype];
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== size * width) {
      fail(`tensor ${name}: data_offsets span ${end - begin} bytes, shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${size * width}`);
    }
    if (end > dataLen) fail(`truncated: tensor ${name} ends at data byte ${end}, but only ${dataLen} data bytes are present`);
    // Copy into a fresh, aligned buffer (the data section need not be aligned in foreign files).
    // Not bytes.slice(): on a Node Buffer that is a view, not a copy.
    const copy = new Uint8Array(end - begin);
    copy.set(bytes.subarray(dataStart + begin, dataStart + end));
    tensors[name] = { data: make(copy.buffer), shape: [...(shape as number[])] };
    ranges.push([begin, end, name]);
  }
  const hm = h.__metadata__ as Record<string, unknown> | undefined;
  const sum = hm?.checksum;
  if (sum === undefined && hm?.format === TENSOR_FORMAT && hm.format_version !== '1') {
    fail(`corrupt: a version-${String(hm.format_version)} tensor file without its checksum (the header was edited or damaged); use another copy or re-create it`);
  }
  if (sum !== undefined) {
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLen));
    const field = `"checksum":"${String(sum)}"`;
    if (typeof sum !== 'string' || !/^[0-9a-f]{8}$/.test(sum) || text.split(field).length !== 2) fail('bad header: unreadable checksum');
    const blank = new TextEncoder().encode(text.replace(field, `"checksum":"${CHECKSUM_BLANK}"`));
    if (hex8(crc32([blank, bytes.subarray(dataStart)])) !== sum) fail('corrupt: checksum mismatch (the file was damaged after it was written); use another copy or re-create it');
  }
  ranges.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i][0] < ranges[i - 1][1]) fail(`bad header: tensors ${ranges[i - 1][2]} and ${ranges[i][2]} overlap`);
  }
  return { tensors, metadata };
}

/** Reads and decodes a tensor file; a path that is a folder, missing or unreadable fails in one line naming it. */
export function readTensorFile(file: string): DecodedTensors {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(describeFsError(e, file, 'read'));
  }
  return decodeTensors(bytes, file);
}

let tmpCounter = 0;

/**
 * Writes tensors and metadata to `file` atomically: a temporary file in the same directory is
 * written, flushed, then renamed over the target, so readers never see a partial file.
 * Creates the directory if needed.
 */
export async function saveTensors(
  file: string,
  tensors: Record<string, TensorData | WeightArray>,
  metadata: Record<string, unknown> = {},
): Promise<void> {
  const bytes = encodeTensors(tensors, metadata);
  const dir = path.dirname(path.resolve(file));
  await fsp.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${tmpCounter++}.tmp`);
  try {
    const fh = await fsp.open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw new Error(`saveTensors ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Reads a tensor file written by saveTensors (or any F32/F64/I32 safetensors file). */
export async function loadTensors(file: string): Promise<DecodedTensors> {
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    throw new Error(`loadTensors ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return decodeTensors(bytes, file);
}
