package serving

import (
	"errors"
	"fmt"
	"net/http"

	"google.golang.org/grpc/codes"
)

// Error is a failed request with TensorFlow Serving's status code; the
// REST API maps the code to an HTTP status as TensorFlow Serving's
// http_server.cc does, the gRPC API returns it as is.
type Error struct {
	Code codes.Code
	Msg  string
	http int // overrides the HTTP status the code maps to (413)
}

func (e *Error) Error() string { return e.Msg }

// Is makes errors.Is(err, ErrNotFound) true for NOT_FOUND errors.
func (e *Error) Is(target error) bool { return target == ErrNotFound && e.Code == codes.NotFound }

// ErrNotFound is a model or version that is not served (NOT_FOUND, HTTP 404).
var ErrNotFound = errors.New("not found")

func statusErr(c codes.Code, format string, a ...any) error {
	return &Error{Code: c, Msg: fmt.Sprintf(format, a...)}
}

// badRequest is a client error (INVALID_ARGUMENT, HTTP 400).
func badRequest(format string, a ...any) error { return statusErr(codes.InvalidArgument, format, a...) }

func notFoundf(format string, a ...any) error { return statusErr(codes.NotFound, format, a...) }

// CodeOf returns err's status code: its own for an *Error, UNKNOWN
// otherwise (nil is OK).
func CodeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return codes.Unknown
}

// codeName is the status name TensorFlow Serving puts in metrics and
// status messages ("OK", "INVALID_ARGUMENT", ...).
func codeName(c codes.Code) string {
	switch c {
	case codes.OK:
		return "OK"
	case codes.Canceled:
		return "CANCELLED"
	case codes.Unknown:
		return "UNKNOWN"
	case codes.InvalidArgument:
		return "INVALID_ARGUMENT"
	case codes.DeadlineExceeded:
		return "DEADLINE_EXCEEDED"
	case codes.NotFound:
		return "NOT_FOUND"
	case codes.AlreadyExists:
		return "ALREADY_EXISTS"
	case codes.PermissionDenied:
		return "PERMISSION_DENIED"
	case codes.ResourceExhausted:
		return "RESOURCE_EXHAUSTED"
	case codes.FailedPrecondition:
		return "FAILED_PRECONDITION"
	case codes.Aborted:
		return "ABORTED"
	case codes.OutOfRange:
		return "OUT_OF_RANGE"
	case codes.Unimplemented:
		return "UNIMPLEMENTED"
	case codes.Internal:
		return "INTERNAL"
	case codes.Unavailable:
		return "UNAVAILABLE"
	case codes.DataLoss:
		return "DATA_LOSS"
	case codes.Unauthenticated:
		return "UNAUTHENTICATED"
	}
	return c.String()
}

// httpStatus maps a status code to HTTP as TensorFlow Serving does.
func httpStatus(c codes.Code) int {
	switch c {
	case codes.OK:
		return http.StatusOK
	case codes.Canceled:
		return 499 // client closed request
	case codes.InvalidArgument, codes.FailedPrecondition, codes.OutOfRange:
		return http.StatusBadRequest
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted:
		return http.StatusConflict
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Unimplemented:
		return http.StatusNotImplemented
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	}
	return http.StatusInternalServerError
}
