package tfserver

// #cgo LDFLAGS: -ldl
// #include <stdlib.h>
// #include "tensorflow/c/c_api.h"
// #include "server_bind.h"
import "C"

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"unsafe"

	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"
	"google.golang.org/protobuf/proto"
)

// Server is an in-process TensorFlow server (the C API's TF_Server): a
// gRPC master and worker service for one task of a cluster. Sessions whose
// Target is the server's Target ("grpc://host:port") run their graphs
// through it, and ops pinned to "/job:<job>/task:<index>" run in it.
//
// A server lives until the process exits: TensorFlow 2.18 can neither stop
// nor delete a gRPC server (see Close).
type Server struct {
	mu     sync.Mutex
	c      *C.TF_Server
	target string
}

// ServerOptions configures NewServer. The zero value is TensorFlow's
// behaviour.
type ServerOptions struct {
	// Listen is the IP address the server listens on. TensorFlow's gRPC
	// server always listens on every interface ("0.0.0.0"/"[::]"); with
	// Listen set (e.g. "127.0.0.1"), tfnids rewrites that wildcard to this
	// address while the server opens its socket, so it is reachable only
	// there. "" keeps TensorFlow's all-interfaces listener.
	Listen string
}

// serverMu serializes server creation: the listen-address rewrite is
// process-wide while a server opens its socket.
var serverMu sync.Mutex

// NewServer creates (but does not start) a server from a ServerDef. The
// ServerDef names the whole cluster, this server's job and task index, and
// the default session configuration of its devices (thread pools). The
// server opens its listening socket here; it serves requests after Start.
func NewServer(def *corepb.ServerDef, opts ServerOptions) (*Server, error) {
	if def == nil {
		return nil, errors.New("tfserver: server: no ServerDef")
	}
	b, err := proto.Marshal(def)
	if err != nil {
		return nil, fmt.Errorf("tfserver: server: %w", err)
	}
	return NewServerFromProto(b, opts)
}

// NewServerFromProto creates a server from a serialized ServerDef.
func NewServerFromProto(def []byte, opts ServerOptions) (*Server, error) {
	if len(def) == 0 {
		return nil, errors.New("tfserver: server: empty ServerDef")
	}
	var v4 [4]byte
	var v6 [16]byte
	if opts.Listen != "" {
		ip := net.ParseIP(opts.Listen)
		if ip == nil {
			return nil, fmt.Errorf("tfserver: server: listen address %q is not an IP address", opts.Listen)
		}
		if ip4 := ip.To4(); ip4 != nil {
			copy(v4[:], ip4)
			copy(v6[:], ip.To16()) // IPv4-mapped, for gRPC's dual-stack socket
		} else {
			copy(v6[:], ip.To16())
			copy(v4[:], net.IPv4(127, 0, 0, 1).To4()) // never the IPv4 wildcard
		}
	}
	serverMu.Lock()
	defer serverMu.Unlock()
	status := C.TF_NewStatus()
	defer C.TF_DeleteStatus(status)
	cdef := C.CBytes(def)
	defer C.free(cdef)
	if opts.Listen != "" {
		C.tfnids_bind_set((*C.uchar)(unsafe.Pointer(&v4[0])), (*C.uchar)(unsafe.Pointer(&v6[0])))
	}
	c := C.TF_NewServer(cdef, C.size_t(len(def)), status)
	rewritten := 0
	if opts.Listen != "" {
		rewritten = int(C.tfnids_bind_clear())
	}
	if err := serverStatusErr(status); err != nil {
		return nil, fmt.Errorf("tfserver: new server: %w", err) // c is nil
	}
	if opts.Listen != "" && rewritten == 0 {
		// The server cannot be deleted (see Close); it was never started,
		// so it serves nothing, and the caller is expected to give up.
		return nil, fmt.Errorf("tfserver: new server: could not restrict the listening address to %s (TensorFlow's socket was not opened through the C library's bind)", opts.Listen)
	}
	s := &Server{c: c}
	s.target = C.GoString(C.TF_ServerTarget(c))
	return s, nil
}

// Target is the string a session connects with: "grpc://" and this task's
// address from the cluster definition.
func (s *Server) Target() string { return s.target }

// Start starts serving requests.
func (s *Server) Start() error {
	return s.call("start server", func(c *C.TF_Server, st *C.TF_Status) { C.TF_ServerStart(c, st) })
}

// Stop asks the server to stop serving. TensorFlow 2.18's gRPC server does
// not implement stopping: Stop returns its UNIMPLEMENTED error ("Clean
// shutdown is not currently implemented") and the server keeps serving
// until the process exits.
func (s *Server) Stop() error {
	return s.call("stop server", func(c *C.TF_Server, st *C.TF_Status) { C.TF_ServerStop(c, st) })
}

// call runs one C server call under the lock with a fresh status, and
// turns the status into an error named by what.
func (s *Server) call(what string, fn func(*C.TF_Server, *C.TF_Status)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.c == nil {
		return errors.New("tfserver: server is closed")
	}
	status := C.TF_NewStatus()
	defer C.TF_DeleteStatus(status)
	fn(s.c, status)
	if err := serverStatusErr(status); err != nil {
		return fmt.Errorf("tfserver: %s: %w", what, err)
	}
	return nil
}

// Join blocks until the server has stopped.
func (s *Server) Join() error {
	s.mu.Lock()
	c := s.c
	s.mu.Unlock()
	if c == nil {
		return errors.New("tfserver: server is closed")
	}
	status := C.TF_NewStatus()
	defer C.TF_DeleteStatus(status)
	C.TF_ServerJoin(c, status)
	if err := serverStatusErr(status); err != nil {
		return fmt.Errorf("tfserver: join server: %w", err)
	}
	return nil
}

// Close marks the server closed: Start, Stop and Join fail afterwards. It
// does not call TF_DeleteServer: in TensorFlow 2.18 destroying a gRPC
// server aborts the process, started or not (a running one cannot stop,
// an unstarted one trips a gRPC completion-queue assertion). The server,
// its socket included, goes away with the process, which is what `tfnids
// worker` does on SIGTERM. Closing a closed server is a no-op.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.c = nil
	return nil
}

func serverStatusErr(st *C.TF_Status) error {
	if C.TF_GetCode(st) == C.TF_OK {
		return nil
	}
	return errors.New(C.GoString(C.TF_Message(st)))
}
