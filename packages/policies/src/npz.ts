import zlib from 'node:zlib';
import { crc32, crc32Table } from '@mgail/core-autodiff-graph';

/**
 * Minimal NumPy `.npy` / `.npz` reading and writing, enough for demonstration files that
 * `numpy.load(path)` opens without `allow_pickle` (no object arrays). Writes STORED zip
 * entries; reads STORED and DEFLATE entries (so `np.savez_compressed` files load too).
 */

export type NpyDtype = '<f4' | '<f8' | '<i4' | '<i8' | '|b1' | '|u1' | `<U${number}`;

/** One numpy array: its dtype, shape and data in row-major order. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Numeric data (int64 widened to Float64Array: safe for the counts and indices we store). */
  data: Float32Array | Float64Array | Int32Array | Uint8Array | string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function pyShape(shape: number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** A `.npy` file (format 1.0, little-endian) holding `arr`. */
export function encodeNpy(arr: NpyArray): Uint8Array {
  const count = arr.shape.reduce((a, b) => a * b, 1);
  let body: Uint8Array;
  const d = arr.dtype;
  if (d.startsWith('<U')) {
    const width = Number(d.slice(2));
    const s = arr.data as string;
    if (count !== 1) throw new Error('encodeNpy: only 0-d unicode arrays are supported');
    const cps = Array.from(s, (c) => c.codePointAt(0)!);
    if (cps.length > width) throw new Error(`encodeNpy: string of ${cps.length} chars does not fit ${d}`);
    const u32 = new Uint32Array(width);
    u32.set(cps);
    body = new Uint8Array(u32.buffer);
  } else {
    const src = arr.data as ArrayLike<number>;
    if (src.length !== count) throw new Error(`encodeNpy: ${src.length} values for shape ${pyShape(arr.shape)}`);
    if (d === '<f4') body = new Uint8Array(Float32Array.from(src).buffer);
    else if (d === '<f8') body = new Uint8Array(Float64Array.from(src).buffer);
    else if (d === '<i4') body = new Uint8Array(Int32Array.from(src).buffer);
    else if (d === '<i8') body = new Uint8Array(BigInt64Array.from(Array.from(src, (v) => BigInt(Math.trunc(v)))).buffer);
    else body = Uint8Array.from(src, (v) => (v ? 1 : 0) & 0xff);
  }
  let header = `{'descr': '${d}', 'fortran_order': False, 'shape': ${pyShape(arr.shape)}, }`;
  // numpy pads the header so data starts on a 64-byte boundary, ending with '\n'
  const pre = 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header + ' '.repeat(total - pre - header.length - 1) + '\n';
  const out = new Uint8Array(total + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, total);
  return out;
}

/** Reads a `.npy` file; `where` names it in errors. */
export function decodeNpy(bytes: Uint8Array, where: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${where}: not a .npy array (bad magic)`);
  const major = bytes[6];
  const hlen = major === 1 ? bytes[8] | (bytes[9] << 8) : new DataView(bytes.buffer, bytes.byteOffset + 8, 4).getUint32(0, true);
  const hstart = major === 1 ? 10 : 12;
  if (hstart + hlen > bytes.length) throw new Error(`${where}: truncated .npy header`);
  const header = Buffer.from(bytes.subarray(hstart, hstart + hlen)).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeStr === undefined) throw new Error(`${where}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw new Error(`${where}: Fortran-ordered arrays are not supported`);
  const shape = shapeStr.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = hstart + hlen;
  const raw = bytes.subarray(dataStart);
  const copy = (n: number) => {
    if (raw.length < n) throw new Error(`${where}: truncated data (${raw.length} of ${n} bytes)`);
    return new Uint8Array(raw.subarray(0, n)).buffer;
  };
  const dt = descr.replace(/^=/, '<');
  switch (dt) {
    case '<f4':
      return { dtype: '<f4', shape, data: new Float32Array(copy(count * 4)) };
    case '<f8':
      return { dtype: '<f8', shape, data: new Float64Array(copy(count * 8)) };
    case '<i4':
      return { dtype: '<i4', shape, data: new Int32Array(copy(count * 4)) };
    case '<i8':
      return { dtype: '<i8', shape, data: Float64Array.from(new BigInt64Array(copy(count * 8)), Number) };
    case '|b1':
    case '|u1':
      return { dtype: dt, shape, data: new Uint8Array(copy(count)) };
    default:
      if (/^<U\d+$/.test(dt)) {
        const width = Number(dt.slice(2));
        const u32 = new Uint32Array(copy(width * 4 * count));
        let s = '';
        for (const cp of u32.subarray(0, width)) if (cp) s += String.fromCodePoint(cp);
        return { dtype: dt as NpyDtype, shape, data: s };
      }
      throw new Error(`${where}: unsupported dtype ${descr}`);
  }
}

// zip's CRC-32 is core's (tensor files use it too)
export { crc32, crc32Table };

/** A zip of `{name}.npy` entries, as `numpy.savez` writes. */
export function encodeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, arr] of Object.entries(arrays)) {
    const data = encodeNpy(arr);
    const fname = Buffer.from(`${name}.npy`, 'utf8');
    const crc = crc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0, 6);
    lh.writeUInt16LE(0, 8); // stored
    lh.writeUInt16LE(0, 10);
    lh.writeUInt16LE(0x21, 12); // 1980-01-01: reproducible bytes
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(fname.length, 26);
    lh.writeUInt16LE(0, 28);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0, 8);
    ch.writeUInt16LE(0, 10);
    ch.writeUInt16LE(0, 12);
    ch.writeUInt16LE(0x21, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(fname.length, 28);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, fname, data);
    centrals.push(ch, fname);
    offset += lh.length + fname.length + data.length;
  }
  const cdSize = centrals.reduce((a, b) => a + b.length, 0);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  const n = Object.keys(arrays).length;
  eocd.writeUInt16LE(n, 8);
  eocd.writeUInt16LE(n, 10);
  eocd.writeUInt32LE(cdSize, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, eocd]);
}

/** Reads the arrays of a `.npz` zip (stored or deflated entries, as `numpy.savez` and `savez_compressed` write); `where` names the file in errors. */
export function decodeNpz(bytes: Uint8Array, where: string): Record<string, NpyArray> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    const isZip = buf.length >= 4 && buf.readUInt32LE(0) === 0x04034b50;
    throw new Error(isZip ? `${where}: truncated .npz file (zip directory missing); re-create the file` : `${where}: not an .npz file`);
  }
  const n = buf.readUInt16LE(eocd + 10);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  const out: Record<string, NpyArray> = {};
  let p = cdOffset;
  for (let k = 0; k < n; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${where}: corrupt zip directory`);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const lho = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (lho + 30 > buf.length || buf.readUInt32LE(lho) !== 0x04034b50) throw new Error(`${where}: corrupt entry ${name}`);
    const start = lho + 30 + buf.readUInt16LE(lho + 26) + buf.readUInt16LE(lho + 28);
    if (start + csize > buf.length) throw new Error(`${where}: truncated entry ${name}`);
    const stored = buf.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = stored;
    else if (method === 8) data = zlib.inflateRawSync(stored);
    else throw new Error(`${where}: entry ${name} uses unsupported zip compression method ${method}`);
    if (crc32(data) !== crc) throw new Error(`${where}: entry ${name} is corrupt (CRC mismatch)`);
    out[name.replace(/\.npy$/, '')] = decodeNpy(data, `${where}:${name}`);
  }
  return out;
}
