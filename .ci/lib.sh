# shellcheck shell=bash
# Shared by the .ci scripts: where things live and how to find them. Sourced, never run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SAMPLE_APP_CACHE:-$HOME/.cache/sample-app}
VENV=${VENV:-$ROOT/.venv}
MAIN_PYTHON=3.12

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The interpreter for a version: pyenv's if present, else one on PATH. Never downloads one.
find_python() {
  local version=$1 candidate
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python"$version"; do
    [ -x "$candidate" ] && { echo "$candidate"; return 0; }
  done
  command -v "python$version" || return 1
}

# uv, installed from its hashed pin on first use (pip is the fallback everywhere uv is used).
find_uv() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return 0; fi
  if [ ! -x "$CACHE/uv/bin/uv" ]; then
    local py
    py=$(find_python "$MAIN_PYTHON" || command -v python3) || return 1
    "$py" -m venv "$CACHE/uv" >&2 || return 1
    "$CACHE/uv/bin/python" -m pip install --quiet --require-hashes -r "$ROOT/.ci/uv-requirements.txt" >&2 || return 1
  fi
  echo "$CACHE/uv/bin/uv"
}

# make_venv DIR VERSION [REQUIREMENTS [pip]]: a virtual environment with the requirements file
# (default requirements-dev.txt), reused when it is current. With "pip", plain pip installs it, as
# README offers: CI's run proves that both installers take every requirements file.
make_venv() {
  local dir=$1 version=$2 requirements=${3:-$ROOT/requirements-dev.txt} installer=${4:-uv} py uv stamp
  py=$(find_python "$version") || die "no Python $version found (pyenv or PATH)"
  stamp="$(sha256sum "$requirements" | cut -c1-16) $installer compiled $("$py" -c 'import sys; print(sys.version)')"
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then
    return 0
  fi
  log "virtual environment $dir (Python $version, $(basename "$requirements"), $installer)"
  rm -rf "$dir"
  if [ "$installer" = pip ]; then
    "$py" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --require-hashes -r "$requirements"
  elif uv=$(find_uv); then
    "$uv" venv --quiet --python "$py" "$dir"
    # Compiled now, as pip does: with PYTHONDONTWRITEBYTECODE set, every pytest and scripts.*
    # process would otherwise compile PyGithub, requests and pytest again (~1 s each).
    "$uv" pip install --quiet --compile-bytecode --python "$dir/bin/python" --require-hashes -r "$requirements"
  else
    log "uv unavailable, using pip"
    "$py" -m venv "$dir"
    "$dir/bin/python" -m pip install --quiet --require-hashes -r "$requirements"
  fi
  echo "$stamp" >"$dir/.stamp"
}

# The Python versions of CI's matrix: scripts.matrix reads them from pyproject.toml's classifiers,
# the one list of them (standard library only, so no virtual environment is needed yet).
matrix_versions() {
  (cd "$ROOT" && "$(find_python "$MAIN_PYTHON")" -m scripts.matrix --plain)
}

docker_answers() { docker info >/dev/null 2>&1; }

# Debian packages the tests need; installed only when missing and only as root.
ensure_system_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    log "not root: cannot install ${missing[*]}; the tests that need them will say so"
    return 0
  fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A Docker engine with no bridge and no iptables rules: containers get no network at all.
ensure_dockerd() {
  docker_answers && return 0
  command -v dockerd >/dev/null 2>&1 || return 0
  [ "$(id -u)" = 0 ] || { log "not root: cannot start dockerd"; return 0; }
  log "starting dockerd (--bridge=none --iptables=false), log in $CACHE/dockerd.log"
  mkdir -p "$CACHE"
  nohup dockerd --bridge=none --iptables=false >"$CACHE/dockerd.log" 2>&1 &
  local _
  for _ in $(seq 1 60); do
    docker_answers && return 0
    sleep 0.5
  done
  tail -20 "$CACHE/dockerd.log" >&2
  die "dockerd did not answer within 30 s (log: $CACHE/dockerd.log)"
}
