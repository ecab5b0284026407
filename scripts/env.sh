# Source this file to build tfnids with plain `go build ./...` / `go test ./...`:
#   source scripts/env.sh
# It points cgo at third_party/libtensorflow (made by scripts/install-libtensorflow.sh)
# and bakes an rpath into every binary, so no LD_LIBRARY_PATH is needed at run time.
_tfnids_root=$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)
export TFNIDS_ROOT="$_tfnids_root"
export CGO_ENABLED=1
export CGO_CFLAGS="-I$_tfnids_root/third_party/libtensorflow/include"
export CGO_LDFLAGS="-L$_tfnids_root/third_party/libtensorflow/lib -Wl,-rpath,$_tfnids_root/third_party/libtensorflow/lib"
export TFNIDS_PYTHON="$_tfnids_root/.venv/bin/python"
# TensorFlow's C++ INFO logs drown the progress output; warnings and errors still show.
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-1}"
unset _tfnids_root
