// Package npy writes and reads NumPy .npy files (format 1.0) holding
// little-endian float32 arrays in C order: the one array format tfnids'
// tests and benchmarks exchange with Python (np.load, saved_model_cli
// --inputs).
package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// magic opens every .npy file; the two bytes after it are the format
// version (1.0 here).
const magic = "\x93NUMPY"

// Encode writes data with the given shape as a .npy 1.0 file to w. The
// product of shape must be len(data).
func Encode(w io.Writer, data []float32, shape ...int) error {
	n := 1
	dims := make([]string, len(shape))
	for i, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: dimension %d is %d, want ≥ 0", i, d)
		}
		n *= d
		dims[i] = strconv.Itoa(d)
	}
	if n != len(data) {
		return fmt.Errorf("npy: shape %v holds %d values, got %d", shape, n, len(data))
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += "," // a Python 1-tuple
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", sh)
	// NumPy pads the header with spaces so that the data starts at a
	// multiple of 64 bytes; the header ends in a newline.
	header += strings.Repeat(" ", (64-(len(magic)+4+len(header)+1)%64)%64) + "\n"
	var buf bytes.Buffer
	buf.WriteString(magic + "\x01\x00")
	binary.Write(&buf, binary.LittleEndian, uint16(len(header)))
	buf.WriteString(header)
	binary.Write(&buf, binary.LittleEndian, data)
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteFile writes data with the given shape to path as a .npy 1.0 file.
func WriteFile(path string, data []float32, shape ...int) error {
	var buf bytes.Buffer
	if err := Encode(&buf, data, shape...); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

var shapeField = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)

// Decode reads a .npy 1.0 file of little-endian float32 values in C order
// and returns the values and their shape.
func Decode(b []byte) ([]float32, []int, error) {
	if len(b) < len(magic)+4 || string(b[:len(magic)]) != magic || b[6] != 1 {
		return nil, nil, fmt.Errorf("npy: not a .npy 1.0 file")
	}
	hlen := int(binary.LittleEndian.Uint16(b[8:10]))
	if 10+hlen > len(b) {
		return nil, nil, fmt.Errorf("npy: header of %d bytes, file of %d", hlen, len(b))
	}
	header := string(b[10 : 10+hlen])
	if !strings.Contains(header, "'<f4'") || strings.Contains(header, "'fortran_order': True") {
		return nil, nil, fmt.Errorf("npy: want little-endian float32 in C order, header %s", strings.TrimSpace(header))
	}
	m := shapeField.FindStringSubmatch(header)
	if m == nil {
		return nil, nil, fmt.Errorf("npy: no shape in header %s", strings.TrimSpace(header))
	}
	shape := []int{}
	n := 1
	for _, f := range strings.Split(m[1], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil || d < 0 {
			return nil, nil, fmt.Errorf("npy: dimension %q in header %s is not a count", f, strings.TrimSpace(header))
		}
		shape = append(shape, d)
		n *= d
	}
	body := b[10+hlen:]
	if len(body) != 4*n {
		return nil, nil, fmt.Errorf("npy: shape %v needs %d bytes of data, file has %d", shape, 4*n, len(body))
	}
	data := make([]float32, n)
	binary.Read(bytes.NewReader(body), binary.LittleEndian, data)
	return data, shape, nil
}

// ReadFile reads a .npy 1.0 float32 file written by WriteFile or by NumPy.
func ReadFile(path string) ([]float32, []int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	data, shape, err := Decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, shape, nil
}
