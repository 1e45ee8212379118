import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from './backend.js';
import { MLP } from './mlp.js';
import { Rng } from './random.js';
import { decodeTensors, encodeTensors, loadTensors, saveTensors } from './tensor_io.js';
import { assignFromTensors, moduleToTensors } from './variables.js';

const dir = mkdtempSync(join(tmpdir(), 'mgail-io-'));
beforeAll(async () => {
  await initBackend({ quiet: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('safetensors encoding', () => {
  it('writes the safetensors layout and round-trips', () => {
    const tensors = {
      w: { data: new Float32Array([1.5, -2, 3, 4, 5, 6]), shape: [2, 3] },
      steps: { data: new Int32Array([7]), shape: [] as number[] },
      v: new Float32Array([0.25]),
    };
    const bytes = encodeTensors(tensors, { env: 'CartPole-v1', seed: 3 });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.w).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.steps).toEqual({ dtype: 'I32', shape: [], data_offsets: [24, 28] });
    expect(header.__metadata__.format).toBe('mgail-tensors');
    expect(bytes.byteLength).toBe(8 + n + 32);
    // Raw little-endian float32 right after the header.
    expect(new DataView(bytes.buffer).getFloat32(8 + n, true)).toBe(1.5);
    const back = decodeTensors(bytes);
    expect(back.metadata).toEqual({ env: 'CartPole-v1', seed: 3 });
    expect(back.tensors.w).toEqual(tensors.w);
    expect(back.tensors.steps).toEqual(tensors.steps);
    expect(back.tensors.v).toEqual({ data: new Float32Array([0.25]), shape: [1] });
  });

  it('names the source and problem for truncated or bad files', () => {
    const bytes = encodeTensors({ w: new Float32Array([1, 2, 3]) });
    expect(() => decodeTensors(bytes.subarray(0, 5), 'a.safetensors')).toThrow(/^a.safetensors: truncated: 5 bytes/);
    expect(() => decodeTensors(bytes.subarray(0, bytes.byteLength - 4), 'b.safetensors')).toThrow(
      /^b.safetensors: truncated: tensor w ends at data byte 12, but only 8/,
    );
    expect(() => decodeTensors(bytes.subarray(0, 20), 'c')).toThrow(/^c: truncated or not a tensor file: header length/);
    const bad = Uint8Array.from(bytes);
    bad[8] = 0x7b + 1; // corrupt the JSON's opening brace
    expect(() => decodeTensors(bad, 'd')).toThrow(/^d: bad header: not valid UTF-8 JSON/);
  });
});

describe('checksums', () => {
  /** `bytes` with its header JSON rewritten by `edit` (lengths and padding fixed up). */
  const withHeader = (bytes: Uint8Array, edit: (h: Record<string, Record<string, unknown>>) => void): Uint8Array => {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    edit(h);
    let json = JSON.stringify(h);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const head = new TextEncoder().encode(json);
    const out = new Uint8Array(8 + head.length + bytes.length - 8 - n);
    new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
    out.set(head, 8);
    out.set(bytes.subarray(8 + n), 8 + head.length);
    return out;
  };

  it('refuses a version-2 file whose checksum was removed; loads a version-1 file (written before checksums) unchecked', () => {
    const bytes = encodeTensors({ w: new Float32Array([1, 2, 3]) }, { a: 1 });
    const stripped = withHeader(bytes, (h) => delete h.__metadata__.checksum);
    expect(() => decodeTensors(stripped, 'p.ckpt')).toThrow(/^p.ckpt: corrupt: a version-2 tensor file without its checksum/);
    const old = withHeader(bytes, (h) => {
      delete h.__metadata__.checksum;
      h.__metadata__.format_version = '1';
    });
    expect(Array.from((decodeTensors(old, 'old.ckpt').tensors.w as { data: Float32Array }).data)).toEqual([1, 2, 3]);
    const flipped = Uint8Array.from(bytes);
    flipped[flipped.length - 1] ^= 1;
    expect(() => decodeTensors(flipped, 'p.ckpt')).toThrow(/checksum mismatch/);
  });
});

describe('saveTensors / loadTensors', () => {
  it('saves a module atomically and restores it by name', async () => {
    const a = new MLP({ inDim: 2, hidden: [4], outDim: 1, activation: 'relu', rng: new Rng(1), name: 'policy' });
    const b = new MLP({ inDim: 2, hidden: [4], outDim: 1, activation: 'relu', rng: new Rng(2), name: 'policy' });
    const file = join(dir, 'sub', 'policy.safetensors');
    await saveTensors(file, moduleToTensors(a), { algo: 'bc' });
    await saveTensors(file, moduleToTensors(a), { algo: 'bc', again: true });
    expect(readdirSync(join(dir, 'sub'))).toEqual(['policy.safetensors']);
    const { tensors, metadata } = await loadTensors(file);
    expect(metadata).toEqual({ algo: 'bc', again: true });
    assignFromTensors(b, tensors, { source: file });
    expect(b.getWeights()).toEqual(a.getWeights());

    const small = new MLP({ inDim: 2, hidden: [3], outDim: 1, activation: 'relu', rng: new Rng(2), name: 'policy' });
    expect(() => assignFromTensors(small, tensors, { source: file })).toThrow(
      `${file}: policy/l1/kernel: shape [2, 4], expected [2, 3]`,
    );
    const cut = join(dir, 'cut.safetensors');
    writeFileSync(cut, readFileSync(file).subarray(0, 100));
    await expect(loadTensors(cut)).rejects.toThrow(cut);
    await expect(loadTensors(join(dir, 'missing.safetensors'))).rejects.toThrow(/missing.safetensors: ENOENT/);
    [a, b, small].forEach((m) => m.dispose());
  });
});
