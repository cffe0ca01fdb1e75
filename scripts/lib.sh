# Shared by scripts/run and scripts/test: a virtualenv in .venv with the given requirements installed.
# Sourced, not run.

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: '$*' needs root; run it yourself, then run this again." >&2; return 1; fi
}

apt_updated=""
apt_install() {
  command -v apt-get >/dev/null || { echo "error: install these packages yourself: $*" >&2; return 1; }
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  echo "Installing with apt-get: $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_venv() {
  local requirements=$1
  if [ ! -x "$VENV/bin/python" ]; then
    # Debian's python3 makes virtualenvs only with python3-venv installed.
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
      apt_install python3-venv
    fi
    "$PYTHON" -m venv "$VENV"
  fi
  # Reinstall only when the requirements changed since the last install.
  local stamp="$VENV/.installed-$(basename "$requirements")"
  local digest
  digest=$(cat requirements*.txt constraints.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" -c constraints.txt
    echo "$digest" > "$stamp"
  fi
}

# Run a command in a private network namespace: only `lo`, and a veth pair carrying 127.0.0.2 (Janus never offers
# loopback candidates; ../shared/RECIPES.md). Nothing in it can reach the machine's real interfaces, nor the network:
# install packages before. Needs root (unshare); prints a note and returns 1 when a namespace cannot be made.
in_network_namespace() {
  if ! command -v unshare >/dev/null || ! unshare -n true 2>/dev/null; then
    echo "note: cannot make a network namespace (run as root)." >&2
    return 1
  fi
  CONFER_TEST_NAMESPACE=inside exec unshare -n sh -c '
    ip link set lo up
    if ip link add jan0 type veth peer name jan1 && ip addr add 127.0.0.2/32 dev jan0 &&
       ip link set jan0 up && ip link set jan1 up; then :; else
      echo "note: no veth pair in the namespace: media through Janus cannot be tested here." >&2
    fi
    exec "$@"' sh "$@"
}
