"""The thread set-up every Keras benchmark script shares: the same intra-op
and inter-op counts for TensorFlow, OpenMP, MKL and OpenBLAS."""

import os

_INTRA = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS")


def set_env(threads, inter_threads):
    """Set the thread counts in the environment. Call it before importing
    NumPy or TensorFlow: their pools are sized when they start."""
    for var in _INTRA:
        os.environ[var] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(inter_threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def configure(tf, threads, inter_threads):
    """Size TensorFlow's own pools (before it runs anything) and quiet its logger."""
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(inter_threads)
    tf.get_logger().setLevel("ERROR")
