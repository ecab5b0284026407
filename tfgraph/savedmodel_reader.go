package tfgraph

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"
	typespb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"
	"google.golang.org/protobuf/proto"
)

// --- Loading ----------------------------------------------------------------

// ReadSavedModel parses dir/saved_model.pb (no TensorFlow runtime needed).
func ReadSavedModel(dir string) (*corepb.SavedModel, error) {
	data, err := os.ReadFile(filepath.Join(dir, SavedModelFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a SavedModel directory: no %s", dir, SavedModelFile)
		}
		return nil, err
	}
	sm := &corepb.SavedModel{}
	if err := proto.Unmarshal(data, sm); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, SavedModelFile), err)
	}
	return sm, nil
}

// FindMetaGraph returns the MetaGraphDef whose tags are exactly tags (in any
// order), as the loaders choose it.
func FindMetaGraph(sm *corepb.SavedModel, tags []string) (*corepb.MetaGraphDef, error) {
	want := append([]string(nil), tags...)
	sort.Strings(want)
	var have []string
	for _, mg := range sm.GetMetaGraphs() {
		got := append([]string(nil), mg.GetMetaInfoDef().GetTags()...)
		sort.Strings(got)
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return mg, nil
		}
		have = append(have, "["+strings.Join(got, ",")+"]")
	}
	return nil, fmt.Errorf("no MetaGraphDef with tags [%s]; the SavedModel has %s", strings.Join(want, ","), strings.Join(have, " "))
}

// TensorSpec is one input or output of a loaded signature.
type TensorSpec struct {
	Key   string
	Name  string // graph tensor, "x:0"
	DType tf.DataType
	// Shape has -1 for unknown dimensions; nil when the rank is unknown.
	Shape  []int64
	output tf.Output
}

// Signature is a loaded SignatureDef; Inputs and Outputs are sorted by key.
type Signature struct {
	Key        string
	MethodName string
	Inputs     []TensorSpec
	Outputs    []TensorSpec
}

// Input returns the input with the given key.
func (s *Signature) Input(key string) (TensorSpec, bool) { return find(s.Inputs, key) }

// Output returns the output with the given key.
func (s *Signature) Output(key string) (TensorSpec, bool) { return find(s.Outputs, key) }

func find(ts []TensorSpec, key string) (TensorSpec, bool) {
	for _, t := range ts {
		if t.Key == key {
			return t, true
		}
	}
	return TensorSpec{}, false
}

// Check reports whether a tensor of dtype dt and shape shape can be fed to
// this input: same dtype, same rank, equal known dimensions.
func (t TensorSpec) Check(dt tf.DataType, shape []int64) error {
	if err := compatible(t.DType, t.Shape, dt, shape); err != nil {
		return fmt.Errorf("input %q: %w", t.Key, err)
	}
	return nil
}

func compatible(wantDT tf.DataType, want []int64, dt tf.DataType, shape []int64) error {
	if dt != wantDT {
		return fmt.Errorf("expected dtype %s, got %s", DTypeName(wantDT), DTypeName(dt))
	}
	if want == nil {
		return nil
	}
	ok := len(want) == len(shape)
	for i := 0; ok && i < len(want); i++ {
		ok = want[i] < 0 || want[i] == shape[i]
	}
	if !ok {
		return fmt.Errorf("expected shape %s, got %s", ShapeString(want), ShapeString(shape))
	}
	return nil
}

// DTypeName is TensorFlow's name of a dtype ("float32", "int64", ...).
func DTypeName(dt tf.DataType) string {
	switch dt {
	case tf.Float:
		return "float32"
	case tf.Double:
		return "float64"
	case tf.Int32:
		return "int32"
	case tf.Int64:
		return "int64"
	case tf.String:
		return "string"
	case tf.Bool:
		return "bool"
	case tf.Half:
		return "float16"
	}
	return strings.ToLower(strings.TrimPrefix(typespb.DataType(dt).String(), "DT_"))
}

// ShapeString prints a shape as saved_model_cli does: (-1, 37); nil is
// "unknown rank".
func ShapeString(s []int64) string {
	if s == nil {
		return "unknown rank"
	}
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.FormatInt(d, 10)
	}
	if len(parts) == 1 {
		return "(" + parts[0] + ")"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
