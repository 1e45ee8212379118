/**
 * Faster matmuls for tfjs-backend-wasm 4.22.
 *
 * The wasm backend runs a matmul through XNNPACK only when neither operand is transposed; with
 * transposeA or transposeB it falls back to a scalar blocked triple loop that is 10-40x slower.
 * Every backward pass asks for exactly those: for y = x W, dx = dy Wᵀ (transposeB) and
 * dW = xᵀ dy (transposeA). These wrappers transpose the operand physically first (one cheap
 * Transpose kernel) and hand XNNPACK a plain matmul. Same inputs, same outputs, different
 * summation order (differences at float32 rounding level).
 *
 * Installed once, when the wasm backend is activated (see backend.ts).
 * `MGAIL_WASM_KERNELS=0` leaves tfjs' kernels alone (for A/B timing or to rule this out).
 */
import * as tf from '@tensorflow/tfjs';

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;

interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

let installed: boolean | null = null;

function outerSize(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length - 2; i++) n *= shape[i];
  return n;
}

/** Whether the wrappers are installed (null: not attempted yet). */
export function wasmKernelsInstalled(): boolean | null {
  return installed;
}

/**
 * Wraps the wasm BatchMatMul and _FusedMatMul kernels. Idempotent; returns whether the
 * wrappers are in place.
 */
export function installWasmKernels(): boolean {
  if (installed !== null) return installed;
  const flag = process.env.MGAIL_WASM_KERNELS;
  if (flag !== undefined && ['0', 'false', 'off', 'no'].includes(flag.trim().toLowerCase())) {
    installed = false;
    return installed;
  }
  const transpose = tf.getKernel('Transpose', 'wasm');
  const names = ['BatchMatMul', '_FusedMatMul'] as const;
  const originals = names.map((n) => tf.getKernel(n, 'wasm'));
  if (transpose === undefined || originals.some((k) => k === undefined)) {
    installed = false;
    return installed;
  }
  const transposeLast2 = (x: TensorInfo, backend: unknown): TensorInfo => {
    const r = x.shape.length;
    const perm = [...Array(r).keys()];
    perm[r - 2] = r - 1;
    perm[r - 1] = r - 2;
    return transpose.kernelFunc({ inputs: { x }, backend: backend as never, attrs: { perm } }) as TensorInfo;
  };
  names.forEach((name, i) => {
    const orig = originals[i];
    const kernelFunc: KernelFunc = (args) => {
      const { inputs, backend, attrs } = args as unknown as {
        inputs: Record<string, TensorInfo | undefined> & { a: TensorInfo; b: TensorInfo };
        backend: WasmBackendLike;
        attrs: Record<string, unknown> & { transposeA: boolean; transposeB: boolean };
      };
      const { a, b } = inputs;
      const { transposeA, transposeB } = attrs;
      if (
        (!transposeA && !transposeB) ||
        a.dtype !== 'float32' ||
        b.dtype !== 'float32' ||
        a.shape.length < 2 ||
        b.shape.length < 2 ||
        outerSize(a.shape) !== 1 ||
        outerSize(b.shape) !== 1
      ) {
        return orig.kernelFunc(args);
      }
      const tmp: TensorInfo[] = [];
      try {
        const a2 = transposeA ? transposeLast2(a, backend) : a;
        if (transposeA) tmp.push(a2);
        const b2 = transposeB ? transposeLast2(b, backend) : b;
        if (transposeB) tmp.push(b2);
        return orig.kernelFunc({
          ...args,
          inputs: { ...inputs, a: a2, b: b2 },
          attrs: { ...attrs, transposeA: false, transposeB: false },
        } as never);
      } finally {
        // Freeing b also frees the XNNPACK operator cached on its id.
        for (const t of tmp) backend.disposeData(t.dataId, true);
      }
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...orig, kernelFunc });
  });
  installed = true;
  return installed;
}
