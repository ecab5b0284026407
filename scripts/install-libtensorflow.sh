#!/usr/bin/env bash
# Provisions libtensorflow 2.18 for tfnids under third_party/libtensorflow/
# (include/ + lib/) and the project venv .venv/ (Python TF, Keras, pandas,
# scikit-learn, saved_model_cli). Sources, in order:
#   1. $LIBTENSORFLOW_DIR: an existing install with include/ and lib/ (a GPU build);
#   2. the official libtensorflow-cpu C tarball (short timeout; skipped if unreachable);
#   3. the tensorflow-cpu==2.18.* wheel from PyPI, whose libtensorflow_cc.so.2
#      exports the whole C API and which ships the C headers.
# Idempotent: a second run checks a stamp and returns at once.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix="$root/third_party/libtensorflow"
venv="$root/.venv"
reqs="$root/scripts/requirements-py.txt"
reqs_nodeps="$root/scripts/requirements-py-nodeps.txt"
tf_version=2.18.0
stamp="$prefix/.tfnids-stamp"
want_stamp="$(cat "$reqs" "$reqs_nodeps" | sha256sum | cut -c1-16) ${LIBTENSORFLOW_DIR:-wheel}"

say() { echo "install-libtensorflow: $*" >&2; }

venv_ok() { [ -x "$venv/bin/python" ] && [ -f "$venv/.tfnids-reqs" ] && cat "$reqs" "$reqs_nodeps" | cmp -s - "$venv/.tfnids-reqs"; }

ensure_venv() {
	if venv_ok; then return; fi
	say "creating Python venv $venv (tensorflow-cpu 2.18, keras, pandas, scikit-learn)"
	python3 -m venv "$venv"
	"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
	"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs"
	"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$reqs_nodeps"
	cat "$reqs" "$reqs_nodeps" > "$venv/.tfnids-reqs"
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] && venv_ok \
	&& [ -e "$prefix/lib/libtensorflow.so" ] && [ -e "$prefix/include/tensorflow/c/c_api.h" ]; then
	say "up to date: $(cat "$prefix/SOURCE")"
	exit 0
fi

# The venv is needed on every route: parity tests, saved_model_cli and the benchmarks use it.
ensure_venv
rm -rf "$prefix"
mkdir -p "$prefix/lib"

if [ -n "${LIBTENSORFLOW_DIR:-}" ]; then
	[ -e "$LIBTENSORFLOW_DIR/include/tensorflow/c/c_api.h" ] || { say "LIBTENSORFLOW_DIR=$LIBTENSORFLOW_DIR has no include/tensorflow/c/c_api.h"; exit 1; }
	ln -s "$LIBTENSORFLOW_DIR/include" "$prefix/include"
	for f in "$LIBTENSORFLOW_DIR"/lib/libtensorflow*.so*; do ln -s "$f" "$prefix/lib/"; done
	echo "LIBTENSORFLOW_DIR $LIBTENSORFLOW_DIR" > "$prefix/SOURCE"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	got=""
	for url in "https://storage.googleapis.com/tensorflow/versions/$tf_version/libtensorflow-cpu-linux-x86_64.tar.gz" \
		"https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-cpu-linux-x86_64-$tf_version.tar.gz"; do
		if curl -fsSL --connect-timeout 5 --max-time 300 -o "$tmp/libtf.tar.gz" "$url" 2>/dev/null; then got=$url; break; fi
	done
	if [ -n "$got" ]; then
		url=$got
		tar -C "$prefix" -xzf "$tmp/libtf.tar.gz"
		echo "official tarball $url" > "$prefix/SOURCE"
	else
		say "official C tarball not reachable from here; using the tensorflow-cpu wheel's C API"
		tfdir=$("$venv/bin/python" -c 'import os, importlib.util as u; print(os.path.dirname(u.find_spec("tensorflow").origin))')
		[ -e "$tfdir/libtensorflow_cc.so.2" ] || { say "no libtensorflow_cc.so.2 in $tfdir"; exit 1; }
		ln -s "$tfdir/include" "$prefix/include"
		# graft links -ltensorflow; the wheel's library is libtensorflow_cc.so.2 and exports the C API.
		ln -s "$tfdir/libtensorflow_cc.so.2" "$prefix/lib/libtensorflow_cc.so.2"
		ln -s "$tfdir/libtensorflow_cc.so.2" "$prefix/lib/libtensorflow.so"
		ln -s "$tfdir/libtensorflow_framework.so.2" "$prefix/lib/libtensorflow_framework.so.2"
		ln -s "$tfdir/libtensorflow_framework.so.2" "$prefix/lib/libtensorflow_framework.so"
		echo "tensorflow-cpu wheel $("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("tensorflow-cpu"))') at $tfdir" > "$prefix/SOURCE"
	fi
fi
echo "$want_stamp" > "$stamp"
say "installed: $(cat "$prefix/SOURCE")"
