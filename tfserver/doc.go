// Package tfserver runs TensorFlow's in-process gRPC server (the C API's
// TF_Server) for one task of a cluster, for `tfnids worker` and
// distributed training.
//
// It lives apart from tfgraph because of its bind() shim (server_bind.c):
// to make TensorFlow's all-interfaces listener bind one address, the shim
// interposes on libc's bind() for the whole process. Only programs that
// import this package get it; a program that only builds and trains
// graphs does not.
package tfserver
