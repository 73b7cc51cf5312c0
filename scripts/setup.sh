#!/usr/bin/env bash
# One-shot, idempotent set-up on a fresh Debian/Ubuntu machine (run as root):
# apt packages, a .venv with the pinned Python packages, npm test assets.
set -euo pipefail
cd "$(dirname "$0")/.."
STAMP_DIR=.venv/.stamps

need_apt=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$pkg")
done < scripts/apt-packages.txt
# nodejs from nodesource already ships npm; do not fight it.
if command -v npm >/dev/null; then need_apt=("${need_apt[@]/npm}"); fi
need_apt=($(printf '%s\n' "${need_apt[@]}" | grep -v '^$' || true))
if ((${#need_apt[@]})); then
  echo "setup: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  # pcscd's postinst may start the daemon before vsmartcard-vpcd's reader file is
  # unpacked, and pcscd reads /etc/reader.conf.d only when it starts.
  if [[ " ${need_apt[*]} " == *" vsmartcard-vpcd "* ]] && pidof pcscd >/dev/null; then
    invoke-rc.d pcscd restart || true
  fi
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
mkdir -p "$STAMP_DIR"
req_hash=$(cat requirements.txt requirements-dev.txt requirements-nodeps.txt | sha256sum | cut -c1-16)
if [[ ! -f "$STAMP_DIR/pip-$req_hash" ]]; then
  .venv/bin/python -m pip install -q --upgrade "pip==25.3"
  .venv/bin/pip install -q -r requirements-dev.txt
  # face_recognition depends on "dlib", which would compile from source;
  # dlib-bin (in requirements.txt) provides the same module as a wheel.
  .venv/bin/pip install -q --no-deps -r requirements-nodeps.txt
  rm -f "$STAMP_DIR"/pip-*
  touch "$STAMP_DIR/pip-$req_hash"
fi

if [[ -f package.json ]]; then
  lock_hash=$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
  if [[ ! -f "$STAMP_DIR/npm-$lock_hash" ]]; then
    npm ci --silent --no-audit --no-fund
    rm -f "$STAMP_DIR"/npm-*
    touch "$STAMP_DIR/npm-$lock_hash"
  fi
fi
echo "setup: ok"
