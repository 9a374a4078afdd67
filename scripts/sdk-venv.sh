#!/bin/sh
# Creates, once, a Python virtual environment with the official `openai` and `anthropic`
# SDKs at pinned versions, for tests/sdk_proxy.rs (which runs this script itself, so
# `cargo test` covers the SDK proof). Idempotent: a second run only checks a stamp file.
#
#   scripts/sdk-venv.sh [VENV_DIR]      default VENV_DIR: target/sdk-venv
#
# The last line printed on stdout is the venv's python. Needs python3 (with venv) and
# access to PyPI on first run.
set -eu

OPENAI_VERSION=3.54.0
ANTHROPIC_VERSION=2.12.0

root=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-"$root/target/sdk-venv"}
stamp="$venv/.switchboard-sdk-openai-$OPENAI_VERSION-anthropic-$ANTHROPIC_VERSION"
python="$venv/bin/python"

if [ -f "$stamp" ] && [ -x "$python" ]; then
    echo "$python"
    exit 0
fi

mkdir -p "$(dirname "$venv")"
lock="$venv.lock"
# One installer at a time (two `cargo test` runs at once); flock is util-linux, so go on
# without it where it is missing.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$lock"
    flock 9
    if [ -f "$stamp" ] && [ -x "$python" ]; then
        echo "$python"
        exit 0
    fi
fi

echo "sdk-venv: creating $venv with openai==$OPENAI_VERSION anthropic==$ANTHROPIC_VERSION" >&2
python3 -m venv --clear "$venv" >&2
"$python" -m pip install --quiet --disable-pip-version-check \
    "openai==$OPENAI_VERSION" "anthropic==$ANTHROPIC_VERSION" >&2
touch "$stamp"
echo "$python"
