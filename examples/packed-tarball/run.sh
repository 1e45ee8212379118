#!/usr/bin/env bash
# Packs the @mgail packages this example needs with `pnpm pack`, installs the tarballs with npm
# into a temporary project outside the workspace, and trains BC on CartPole-v1 from the shipped
# expert's demonstrations. Fails unless the cloned policy's mean return reaches MIN_RETURN.
# Needs: node >= 20, npm, the npm registry (for tfjs), and `pnpm install` done in the repo.
# Usage: examples/packed-tarball/run.sh [MIN_RETURN]   (KEEP=1 keeps the temporary project)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
min_return="${1:-400}"
pnpm=(npx -y pnpm@10.34.9)
work="$(mktemp -d "${TMPDIR:-/tmp}/mgail-packed-tarball.XXXXXX")"
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi
t0=$(date +%s)

# Every @mgail name the example installs: direct dependencies and the transitive ones pinned in
# "overrides" (packed tarballs name their workspace deps by version, which no registry holds).
mapfile -t names < <(node -e '
  const p = require(process.argv[1]);
  const names = new Set([...Object.keys(p.dependencies), ...Object.keys(p.overrides)]);
  for (const n of names) if (n.startsWith("@mgail/")) console.log(n);
' "$here/package.json")

filters=()
for n in "${names[@]}"; do filters+=("--filter=$n"); done
(cd "$root" && "${pnpm[@]}" exec turbo run build "${filters[@]}" --output-logs=errors-only >/dev/null)

# pnpm pack rewrites workspace:* and catalog: ranges to the versions they resolve to.
(cd "$root" && "${pnpm[@]}" -r "${filters[@]}" pack --out "$work/tarballs/%s.tgz" >/dev/null)
for n in "${names[@]}"; do
  [ -f "$work/tarballs/mgail-${n#@mgail/}.tgz" ] || { echo "packed-tarball: pnpm pack wrote no tarball for $n (is it a workspace package?)" >&2; exit 1; }
done
t_pack=$(date +%s)
echo "packed ${#names[@]} tarballs: $(cd "$work/tarballs" && echo *)"

cp "$here/package.json" "$here/train-bc.mjs" "$work/"
# --ignore-scripts and --omit=optional: tfjs-node's install script would download libtensorflow;
# without it the library uses the wasm backend, which needs nothing but the registry.
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts --omit=optional --loglevel=error)
t_install=$(date +%s)
# A registry copy of an @mgail package would mean the tarballs were not what got tested.
for n in "${names[@]}"; do
  lock=$(node -p 'const l = require(process.argv[1]); l.packages["node_modules/" + process.argv[2]]?.resolved ?? ""' "$work/package-lock.json" "$n")
  case "$lock" in file:tarballs/*) ;; *) echo "packed-tarball: $n was installed from '$lock', not from its tarball" >&2; exit 1 ;; esac
done
echo "installed from tarballs: ${names[*]}"

# A TypeScript user's compile: strict, skipLibCheck false, the common path with no casts (check-types.ts).
cp "$here/check-types.ts" "$here/tsconfig.json" "$work/"
(cd "$work" && "$root/node_modules/.bin/tsc" -p tsconfig.json) || { echo "packed-tarball: check-types.ts does not compile against the packed type files (skipLibCheck: false)" >&2; exit 1; }
t_types=$(date +%s)
echo "typed: check-types.ts compiles with strict and skipLibCheck false ($((t_types - t_install))s)"

(cd "$work" && node train-bc.mjs "$root/experts/CartPole-v1/demos.npz" "$min_return")
t_end=$(date +%s)
echo "packed-tarball: pack $((t_pack - t0))s, npm install $((t_install - t_pack))s, train+eval $((t_end - t_install))s, total $((t_end - t0))s"
