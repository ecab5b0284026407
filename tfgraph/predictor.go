package tfgraph

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"
	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"
)

// Predictor is a SavedModel loaded through TensorFlow's own loader
// (TF_LoadSessionFromSavedModel, via graft's LoadSavedModel), ready to run
// its signatures. Run is safe for concurrent use; Close waits for running
// calls.
type Predictor struct {
	Dir        string
	MetaGraph  *corepb.MetaGraphDef
	Signatures map[string]*Signature
	sess       *tf.Session
	graph      *tf.Graph
}

// LoadPredictor loads the MetaGraphDef tagged tags (nil: {"serve"}) from dir.
// A SavedModel whose SaverDef expects variables but whose variables/ files
// are missing is an error (TensorFlow's loader would carry on with
// uninitialized variables).
func LoadPredictor(dir string, tags []string, cfg SessionConfig) (*Predictor, error) {
	if len(tags) == 0 {
		tags = []string{ServeTag}
	}
	sm, err := ReadSavedModel(dir)
	if err != nil {
		return nil, err
	}
	mg, err := FindMetaGraph(sm, tags)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if mg.GetSaverDef() != nil && !CheckpointExists(filepath.Join(dir, filepath.FromSlash(VariablesPrefix))) {
		return nil, fmt.Errorf("%s: the SavedModel has variables but %s.index or its data file is missing", dir, VariablesPrefix)
	}
	conf, err := cfg.Proto()
	if err != nil {
		return nil, err
	}
	m, err := tf.LoadSavedModel(dir, tags, &tf.SessionOptions{Target: cfg.Target, Config: conf})
	if err != nil {
		return nil, fmt.Errorf("loading SavedModel %s: %s", dir, firstLine(err))
	}
	p := &Predictor{Dir: dir, MetaGraph: mg, Signatures: map[string]*Signature{}, sess: m.Session, graph: m.Graph}
	for key, sd := range mg.GetSignatureDef() {
		sig := &Signature{Key: key, MethodName: sd.GetMethodName()}
		for _, side := range []struct {
			infos map[string]*corepb.TensorInfo
			dst   *[]TensorSpec
		}{{sd.GetInputs(), &sig.Inputs}, {sd.GetOutputs(), &sig.Outputs}} {
			for _, k := range sortedKeys(side.infos) {
				ti := side.infos[k]
				o, err := lookupTensor(m.Graph, ti.GetName())
				if err != nil {
					p.Close()
					return nil, fmt.Errorf("%s: signature %q %s: %w", dir, key, k, err)
				}
				*side.dst = append(*side.dst, TensorSpec{Key: k, Name: ti.GetName(), DType: tf.DataType(ti.GetDtype()),
					Shape: shapeSlice(ti.GetTensorShape()), output: o})
			}
		}
		p.Signatures[key] = sig
	}
	return p, nil
}

// Signature returns the signature with the given key ("" is
// serving_default).
func (p *Predictor) Signature(key string) (*Signature, error) {
	if key == "" {
		key = DefaultSignatureKey
	}
	s, ok := p.Signatures[key]
	if !ok {
		return nil, fmt.Errorf("signature %q not found; the model has %s", key, strings.Join(sortedKeys(p.Signatures), ", "))
	}
	return s, nil
}

// AssetPath returns the path of an asset file of the model, or "" if the
// MetaGraphDef lists no such asset.
func (p *Predictor) AssetPath(filename string) string {
	for _, a := range p.MetaGraph.GetAssetFileDef() {
		if a.GetFilename() == filename {
			return filepath.Join(p.Dir, AssetsDir, filename)
		}
	}
	return ""
}

// Run runs a signature ("" is serving_default). Every input must be given,
// with the signature's dtype and a compatible shape. outputs selects output
// keys (none: all). The caller owns the returned tensors: free them with
// FreeTensors or Tensors.Free. Inputs are not freed.
func (p *Predictor) Run(signature string, inputs map[string]*tf.Tensor, outputs ...string) (Tensors, error) {
	sig, err := p.Signature(signature)
	if err != nil {
		return nil, err
	}
	feeds := make(map[tf.Output]*tf.Tensor, len(inputs))
	for _, in := range sig.Inputs {
		t, ok := inputs[in.Key]
		if !ok || t == nil {
			return nil, fmt.Errorf("missing input %q (signature %q expects %s)", in.Key, sig.Key, keysOf(sig.Inputs))
		}
		if err := in.Check(t.DataType(), t.Shape()); err != nil {
			return nil, err
		}
		feeds[in.output] = t
	}
	for k := range inputs {
		if _, ok := sig.Input(k); !ok {
			return nil, fmt.Errorf("unknown input %q (signature %q expects %s)", k, sig.Key, keysOf(sig.Inputs))
		}
	}
	want := outputs
	if len(want) == 0 {
		for _, o := range sig.Outputs {
			want = append(want, o.Key)
		}
	}
	fetches := make([]tf.Output, len(want))
	for i, k := range want {
		o, ok := sig.Output(k)
		if !ok {
			return nil, fmt.Errorf("unknown output %q (signature %q has %s)", k, sig.Key, keysOf(sig.Outputs))
		}
		fetches[i] = o.output
	}
	out, err := p.sess.Run(feeds, fetches, nil)
	if err != nil {
		return nil, fmt.Errorf("running signature %q: %s", sig.Key, firstLine(err))
	}
	res := make(Tensors, len(want))
	for i, k := range want {
		res[k] = out[i]
	}
	return res, nil
}

func keysOf(ts []TensorSpec) string {
	ks := make([]string, len(ts))
	for i, t := range ts {
		ks[i] = strconv.Quote(t.Key)
	}
	return strings.Join(ks, ", ")
}

// Close waits for running calls and releases the session.
func (p *Predictor) Close() error {
	if p.sess == nil {
		return nil
	}
	return p.sess.Close()
}

// Tensors are named output tensors.
type Tensors map[string]*tf.Tensor

// Free releases the tensors' C memory.
func (ts Tensors) Free() {
	for _, t := range ts {
		FreeTensors(t)
	}
}
