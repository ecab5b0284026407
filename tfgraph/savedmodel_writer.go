package tfgraph

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	tf "github.com/wamuir/graft/tensorflow"
	graphpb "github.com/wamuir/graft/tensorflow/core/framework/graph_go_proto"
	shapepb "github.com/wamuir/graft/tensorflow/core/framework/tensor_shape_go_proto"
	typespb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"
	"github.com/wamuir/graft/tensorflow/op"
	"google.golang.org/protobuf/proto"

	"github.com/tfnids/tfnids/internal/atomicfile"
)

// Names TensorFlow Serving and the SavedModel loaders look for.
const (
	// ServeTag is the MetaGraphDef tag TensorFlow Serving loads.
	ServeTag = "serve"
	// DefaultSignatureKey is the signature TensorFlow Serving runs when a
	// request names none.
	DefaultSignatureKey = "serving_default"
	// PredictMethodName is the method name of a Predict signature.
	PredictMethodName = "tensorflow/serving/predict"
	// SavedModelFile is the MetaGraphDef container in an export directory.
	SavedModelFile = "saved_model.pb"
	// VariablesPrefix is the checkpoint prefix inside an export directory.
	VariablesPrefix = "variables/variables"
	// AssetsDir holds the asset files of an export directory.
	AssetsDir = "assets"
	// ExtraAssetsDir holds files for the server (warm-up requests).
	ExtraAssetsDir = "assets.extra"
)

// ErrExists reports an export directory that already exists. Exports never
// replace a version: TensorFlow Serving may be serving it.
var ErrExists = errors.New("already exists")

// ErrCheckpointMismatch reports a checkpoint that lacks a variable of the
// exported model or holds it with another dtype or shape.
var ErrCheckpointMismatch = errors.New("does not match the model")

// SignatureSpec is one SignatureDef: named input and output tensors of the
// graph. The map keys are what clients use (the "x" of
// {"inputs": {"x": ...}}); the tensors' graph names may differ.
type SignatureSpec struct {
	Inputs  map[string]tf.Output
	Outputs map[string]tf.Output
	// MethodName defaults to PredictMethodName.
	MethodName string
}

// Asset is a file copied into the export's assets/ directory and recorded as
// an AssetFileDef, so loaders (TensorFlow Serving, tf.saved_model.load) see
// its path. Filename is a plain file name such as "class_names.txt".
type Asset struct {
	Filename string
	Contents []byte
}

// SavedModelSpec describes a SavedModel export of a Builder's graph. One of
// Checkpoint and SaveVariables provides the variable values (neither, if the
// signatures read no variables).
type SavedModelSpec struct {
	// Tags of the single MetaGraphDef; nil means {"serve"}.
	Tags []string
	// Signatures by key; at least one. TensorFlow Serving runs
	// DefaultSignatureKey unless a request names another.
	Signatures map[string]SignatureSpec
	// Assets are written to assets/ and listed as AssetFileDefs.
	Assets []Asset
	// ExtraAssets are written to assets.extra/ and not listed in the
	// graph: files for the server rather than the model, such as
	// TensorFlow Serving's tf_serving_warmup_requests.
	ExtraAssets []Asset
	// Replace rewires the exported graph: every op reading a key tensor reads
	// the value tensor instead. serving.AddHead uses it to put the scaling in
	// front of a model whose input placeholder already exists.
	Replace map[tf.Output]tf.Output
	// Rename renames nodes of the exported graph (old name -> new name) after
	// pruning. A rename whose target name is still taken is skipped, so
	// renames only make names nicer and never fail an export.
	Rename map[string]string
	// Checkpoint is a checkpoint prefix (a training checkpoint, say) to
	// restore the exported variables from. Keys are the variables'
	// shared names; extra keys (optimizer slots) are ignored.
	Checkpoint string
	// SaveVariables, if set instead of Checkpoint, writes the variable values
	// as a checkpoint at the prefix it is given, for example by running a
	// training session's Saver.Save. Its keys must be the variables' shared
	// names.
	SaveVariables func(prefix string) error
	// Session configures the session that checks the export before it is
	// renamed into place.
	Session SessionConfig
}

// SavedModelVariable is one variable an export saves and restores.
type SavedModelVariable struct {
	Node  string // VarHandleOp node name
	Key   string // checkpoint key (the shared_name)
	DType tf.DataType
	Shape []int64
}

// WriteSavedModel writes a TF1-style SavedModel of b's graph into dir, which
// must not exist: saved_model.pb with one MetaGraphDef (tags, the graph
// pruned to what the signatures need plus save/restore ops, a V2 SaverDef
// whose filename tensor is "save/Const:0", the signatures with full dtypes
// and shapes, asset file defs), variables/variables.{index,data-00000-of-00001}
// and assets/. It is what TensorFlow Serving and tf.saved_model.load read.
//
// Only variables the signature outputs depend on are exported, and only ops
// they need: training passes, gradients and optimizer state in the same
// builder are left out. The export is built in a temporary directory beside
// dir, loaded into a fresh session (restore, variable shapes checked against
// the graph, every signature run once on a zero batch) and only then renamed
// to dir, so dir either appears complete or not at all. Device pins are
// cleared: the loader places the ops. Save and restore ops (scope "save", or
// "save_1", ... if taken) and asset constants are added to b's graph.
func (b *Builder) WriteSavedModel(dir string, spec SavedModelSpec) (err error) {
	if err := b.Err(); err != nil {
		return err
	}
	if err := spec.validate(); err != nil {
		return fmt.Errorf("savedmodel %s: %w", dir, err)
	}
	if _, err := os.Stat(dir); err == nil {
		return fmt.Errorf("savedmodel %s: %w; refusing to overwrite it (export a new version number)", dir, ErrExists)
	}
	if spec.Checkpoint != "" && !CheckpointExists(spec.Checkpoint) {
		index, _ := CheckpointFiles(spec.Checkpoint)
		return fmt.Errorf("savedmodel %s: checkpoint %s: %w (expected %s and its .data-00000-of-00001 file)",
			dir, spec.Checkpoint, ErrNoCheckpoint, index)
	}
	ex, err := b.prepareExport(spec)
	if err != nil {
		return fmt.Errorf("savedmodel %s: %w", dir, err)
	}
	staging, err := atomicfile.TempDir(dir)
	if err != nil {
		return fmt.Errorf("savedmodel %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(staging)
		}
	}()
	if err := ex.stage(staging, spec); err != nil {
		return fmt.Errorf("savedmodel %s: %w", dir, err)
	}
	if err := syncTree(staging); err != nil {
		return fmt.Errorf("savedmodel %s: %w", dir, err)
	}
	if err := atomicfile.RenameDir(staging, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr == nil {
			return fmt.Errorf("savedmodel %s: %w; refusing to overwrite it", dir, ErrExists)
		}
		return fmt.Errorf("savedmodel %s: %w", dir, err)
	}
	syncDir(filepath.Dir(dir))
	return nil
}

var assetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func (spec *SavedModelSpec) validate() error {
	if len(spec.Signatures) == 0 {
		return errors.New("no signatures")
	}
	for key, sig := range spec.Signatures {
		if key == "" {
			return errors.New("a signature has an empty key")
		}
		if len(sig.Outputs) == 0 {
			return fmt.Errorf("signature %q has no outputs", key)
		}
		for k, o := range sig.Inputs {
			if k == "" || o.Op == nil {
				return fmt.Errorf("signature %q: input %q has no tensor", key, k)
			}
		}
		for k, o := range sig.Outputs {
			if k == "" || o.Op == nil {
				return fmt.Errorf("signature %q: output %q has no tensor", key, k)
			}
		}
	}
	if spec.Checkpoint != "" && spec.SaveVariables != nil {
		return errors.New("set only one of Checkpoint and SaveVariables")
	}
	seen := map[string]bool{}
	for _, a := range spec.Assets {
		if !assetName.MatchString(a.Filename) {
			return fmt.Errorf("asset file name %q: want a plain file name (letters, digits, _ . -)", a.Filename)
		}
		if seen[a.Filename] {
			return fmt.Errorf("asset %q listed twice", a.Filename)
		}
		seen[a.Filename] = true
	}
	for _, a := range spec.ExtraAssets {
		if !assetName.MatchString(a.Filename) {
			return fmt.Errorf("extra asset file name %q: want a plain file name (letters, digits, _ . -)", a.Filename)
		}
	}
	for from, to := range spec.Replace {
		if from.Op == nil || to.Op == nil {
			return errors.New("Replace has an empty tensor")
		}
	}
	return nil
}

// export is a prepared export: the final GraphDef and the names in it.
type export struct {
	graph      *graphpb.GraphDef
	vars       []SavedModelVariable
	filename   string // filename tensor, "save/Const:0"
	saveTensor string
	restoreOp  string
	signatures map[string]*signatureNames
	assets     map[string]string // asset file name -> tensor name
	tags       []string
}

type signatureNames struct {
	method  string
	inputs  map[string]string // key -> "node:idx"
	outputs map[string]string
}

// prepareExport adds the save/restore ops and asset constants to b's graph
// and derives the exported GraphDef.
func (b *Builder) prepareExport(spec SavedModelSpec) (*export, error) {
	replace := map[string]string{}
	for from, to := range spec.Replace {
		replace[tensorName(from)] = tensorName(to)
	}
	sigs := map[string]*signatureNames{}
	var sigRoots []string
	for key, sig := range spec.Signatures {
		sn := &signatureNames{method: sig.MethodName, inputs: map[string]string{}, outputs: map[string]string{}}
		if sn.method == "" {
			sn.method = PredictMethodName
		}
		for k, o := range sig.Inputs {
			sn.inputs[k] = tensorName(o)
			sigRoots = append(sigRoots, o.Op.Name())
		}
		for k, o := range sig.Outputs {
			name := tensorName(o)
			if r, ok := replace[name]; ok {
				name = r
			}
			sn.outputs[k] = name
			sigRoots = append(sigRoots, nodeOf(name))
		}
		sigs[key] = sn
	}

	// Which variables do the signatures read?
	gd, err := graphDefOf(b.Graph)
	if err != nil {
		return nil, err
	}
	rewire(gd, replace)
	var vars []SavedModelVariable
	for _, n := range prune(gd, sigRoots).Node {
		if n.Op != "VarHandleOp" {
			continue
		}
		v := SavedModelVariable{Node: n.Name, Key: string(n.Attr["shared_name"].GetS()),
			DType: tf.DataType(n.Attr["dtype"].GetType())}
		if v.Key == "" {
			v.Key = n.Name
		}
		for _, d := range n.Attr["shape"].GetShape().GetDim() {
			v.Shape = append(v.Shape, d.GetSize())
		}
		vars = append(vars, v)
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].Key < vars[j].Key })
	for i := 1; i < len(vars); i++ {
		if vars[i].Key == vars[i-1].Key {
			return nil, fmt.Errorf("variables %s and %s share the checkpoint key %q", vars[i-1].Node, vars[i].Node, vars[i].Key)
		}
	}

	if len(vars) > 0 && spec.Checkpoint == "" && spec.SaveVariables == nil {
		return nil, fmt.Errorf("the signatures read %d variables; set Checkpoint or SaveVariables", len(vars))
	}
	ex := &export{vars: vars, signatures: sigs, assets: map[string]string{}, tags: spec.Tags}
	if len(ex.tags) == 0 {
		ex.tags = []string{ServeTag}
	}
	roots := append([]string(nil), sigRoots...)
	if len(vars) > 0 {
		if err := b.addExportSaver(ex); err != nil {
			return nil, err
		}
		roots = append(roots, nodeOf(ex.filename), nodeOf(ex.saveTensor), ex.restoreOp)
	}
	if len(spec.Assets) > 0 {
		s := b.Root.WithDevice("").SubScope("saved_model_assets")
		for _, a := range spec.Assets {
			c := s.AddOperation(tf.OpSpec{Type: "Const", Name: strings.ReplaceAll(a.Filename, ".", "_"),
				Attrs: map[string]any{"dtype": tf.String, "value": mustTensor(a.Filename)}})
			if c == nil {
				return nil, b.Err()
			}
			ex.assets[a.Filename] = tensorName(c.Output(0))
			roots = append(roots, c.Name())
		}
	}
	if err := b.Err(); err != nil {
		return nil, err
	}

	gd, err = graphDefOf(b.Graph)
	if err != nil {
		return nil, err
	}
	rewire(gd, replace)
	gd = prune(gd, roots)
	// An export is placed by whoever loads it: no op stays pinned to the
	// device it was built for (SaveV2 and RestoreV2 only have CPU kernels,
	// so the placer puts them there).
	for _, n := range gd.Node {
		n.Device = ""
	}

	// Every placeholder left must be fed by some signature, or serving fails
	// with "You must feed a value for placeholder".
	fed := map[string]bool{}
	for _, sn := range sigs {
		for _, t := range sn.inputs {
			fed[nodeOf(t)] = true
		}
	}
	for _, n := range gd.Node {
		if n.Op == "Placeholder" && !fed[n.Name] {
			return nil, fmt.Errorf("the signature outputs depend on placeholder %q, which is not a signature input", n.Name)
		}
	}
	for key, sn := range sigs {
		for k, t := range sn.inputs {
			if r, ok := replace[t]; ok {
				return nil, fmt.Errorf("signature %q: input %q is %s, which Replace rewires to %s", key, k, t, r)
			}
		}
	}
	ex.graph = gd
	ex.applyRenames(spec.Rename)
	return ex, nil
}

// addExportSaver adds TF1 Saver-style ops over ex.vars: "save/Const" (the
// filename, a PlaceholderWithDefault), SaveV2 with "save/control_dependency"
// (the filename after the save), RestoreV2 with one AssignVariableOp per
// variable and "save/restore_all".
func (b *Builder) addExportSaver(ex *export) error {
	s := b.Root.WithDevice("/device:CPU:0").SubScope("save")
	n := len(ex.vars)
	keys := make([]string, n)
	slices := make([]string, n)
	dtypes := make([]tf.DataType, n)
	handles := make([]tf.Output, n)
	reads := make([]tf.Output, n)
	for i, v := range ex.vars {
		h := b.Graph.Operation(v.Node)
		if h == nil {
			return fmt.Errorf("variable node %q not found", v.Node)
		}
		keys[i], dtypes[i], handles[i] = v.Key, v.DType, h.Output(0)
		r := s.AddOperation(tf.OpSpec{Type: "ReadVariableOp", Name: fmt.Sprintf("Read_%d", i),
			Input: []tf.Input{handles[i]}, Attrs: map[string]any{"dtype": v.DType}})
		if r == nil {
			return b.Err()
		}
		reads[i] = r.Output(0)
	}
	def := s.AddOperation(tf.OpSpec{Type: "Const", Name: "filename/input",
		Attrs: map[string]any{"dtype": tf.String, "value": mustTensor("model")}})
	if def == nil {
		return b.Err()
	}
	filename := s.AddOperation(tf.OpSpec{Type: "PlaceholderWithDefault", Name: "Const",
		Input: []tf.Input{def.Output(0)}, Attrs: map[string]any{"dtype": tf.String, "shape": tf.ScalarShape()}})
	names := s.AddOperation(tf.OpSpec{Type: "Const", Name: "tensor_names",
		Attrs: map[string]any{"dtype": tf.String, "value": mustTensor(keys)}})
	shapes := s.AddOperation(tf.OpSpec{Type: "Const", Name: "shape_and_slices",
		Attrs: map[string]any{"dtype": tf.String, "value": mustTensor(slices)}})
	if filename == nil || names == nil || shapes == nil {
		return b.Err()
	}
	save := s.AddOperation(tf.OpSpec{Type: "SaveV2", Name: "SaveV2",
		Input: []tf.Input{filename.Output(0), names.Output(0), shapes.Output(0), tf.OutputList(reads)}})
	if save == nil {
		return b.Err()
	}
	after := s.WithControlDependencies(save).AddOperation(tf.OpSpec{Type: "Identity", Name: "control_dependency",
		Input: []tf.Input{filename.Output(0)}})
	restore := s.AddOperation(tf.OpSpec{Type: "RestoreV2", Name: "RestoreV2",
		Input: []tf.Input{filename.Output(0), names.Output(0), shapes.Output(0)},
		Attrs: map[string]any{"dtypes": dtypes}})
	if after == nil || restore == nil {
		return b.Err()
	}
	assigns := make([]*tf.Operation, n)
	for i, v := range ex.vars {
		name := "Assign"
		if i > 0 {
			name = fmt.Sprintf("Assign_%d", i)
		}
		assigns[i] = s.AddOperation(tf.OpSpec{Type: "AssignVariableOp", Name: name,
			Input: []tf.Input{handles[i], restore.Output(i)}, Attrs: map[string]any{"dtype": v.DType}})
		if assigns[i] == nil {
			return b.Err()
		}
	}
	all := s.WithControlDependencies(assigns...).AddOperation(tf.OpSpec{Type: "NoOp", Name: "restore_all"})
	if all == nil {
		return b.Err()
	}
	ex.filename = tensorName(filename.Output(0))
	ex.saveTensor = tensorName(after.Output(0))
	ex.restoreOp = all.Name()
	return nil
}

func mustTensor(v any) *tf.Tensor {
	t, err := tf.NewTensor(v)
	if err != nil {
		panic("tfgraph: " + err.Error())
	}
	return t
}

// applyRenames renames nodes of ex.graph whose new name is free and updates
// every reference (inputs, colocation attrs, signature and saver names).
func (ex *export) applyRenames(rename map[string]string) {
	if len(rename) == 0 {
		return
	}
	names := map[string]bool{}
	for _, n := range ex.graph.Node {
		names[n.Name] = true
	}
	done := map[string]string{}
	olds := sortedKeys(rename)
	// Repeat until nothing changes: moving one node away can free the name
	// another rename wants.
	for progress := true; progress; {
		progress = false
		for _, o := range olds {
			nw := rename[o]
			if _, ok := done[o]; ok || !names[o] || names[nw] || nw == "" {
				continue
			}
			delete(names, o)
			names[nw] = true
			done[o] = nw
			progress = true
		}
	}
	if len(done) == 0 {
		return
	}
	tensor := func(t string) string {
		node, idx, ctrl := splitInput(t)
		if nw, ok := done[node]; ok {
			node = nw
		}
		if ctrl {
			return "^" + node
		}
		if idx == 0 && !strings.Contains(t, ":") {
			return node
		}
		return node + ":" + strconv.Itoa(idx)
	}
	for _, n := range ex.graph.Node {
		if nw, ok := done[n.Name]; ok {
			n.Name = nw
		}
		for i, in := range n.Input {
			n.Input[i] = tensor(in)
		}
		if cls := n.Attr["_class"].GetList(); cls != nil {
			for i, s := range cls.S {
				if node, ok := strings.CutPrefix(string(s), "loc:@"); ok {
					if nw, ok := done[node]; ok {
						cls.S[i] = []byte("loc:@" + nw)
					}
				}
			}
		}
	}
	for _, sn := range ex.signatures {
		for k, t := range sn.inputs {
			sn.inputs[k] = tensor(t)
		}
		for k, t := range sn.outputs {
			sn.outputs[k] = tensor(t)
		}
	}
	for k, t := range ex.assets {
		ex.assets[k] = tensor(t)
	}
	ex.filename, ex.saveTensor, ex.restoreOp = tensor(ex.filename), tensor(ex.saveTensor), tensor(ex.restoreOp)
}

// stage writes the export into staging and checks it in a fresh session.
func (ex *export) stage(staging string, spec SavedModelSpec) error {
	gdBytes, err := proto.Marshal(ex.graph)
	if err != nil {
		return err
	}
	g := tf.NewGraph()
	if err := g.Import(gdBytes, ""); err != nil {
		return fmt.Errorf("the exported graph does not import: %w", err)
	}
	mg, err := ex.metaGraph(g)
	if err != nil {
		return err
	}
	// Shape probes for the check; added after the GraphDef was serialized,
	// so they are not part of the export.
	vs := op.NewScopeWithGraph(g).SubScope("tfnids_export_check")
	probes := make([]tf.Output, len(ex.vars))
	for i, v := range ex.vars {
		probes[i] = op.VariableShape(vs.SubScope("shape"), g.Operation(v.Node).Output(0), op.VariableShapeOutType(tf.Int64))
	}
	if err := vs.Err(); err != nil {
		return err
	}
	sess, err := NewSession(g, spec.Session)
	if err != nil {
		return err
	}
	defer sess.Close()

	prefix := filepath.Join(staging, filepath.FromSlash(VariablesPrefix))
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return err
	}
	if len(ex.vars) > 0 {
		filename, _ := lookupTensor(g, ex.filename)
		restoreOp := g.Operation(ex.restoreOp)
		saveT, _ := lookupTensor(g, ex.saveTensor)
		from := spec.Checkpoint
		if spec.SaveVariables != nil {
			// The caller's saver may write more than the export needs
			// (optimizer slots): take its checkpoint from a scratch
			// directory and re-save only the exported variables.
			scratch, err := os.MkdirTemp(staging, atomicfile.TempMarker+"vars-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(scratch)
			from = filepath.Join(scratch, "variables")
			if err := spec.SaveVariables(from); err != nil {
				return fmt.Errorf("saving variables: %w", err)
			}
			if !CheckpointExists(from) {
				return fmt.Errorf("SaveVariables wrote no checkpoint at %s", from)
			}
		}
		if err := runWithString(sess, filename, from, nil, []*tf.Operation{restoreOp}); err != nil {
			return fmt.Errorf("checkpoint %s %w: %s", from, ErrCheckpointMismatch, firstLine(err))
		}
		out, err := sess.Run(nil, probes, nil)
		if err != nil {
			return fmt.Errorf("reading variable shapes: %w", err)
		}
		for i, v := range ex.vars {
			got, _ := out[i].Value().([]int64)
			if fmt.Sprint(got) != fmt.Sprint(nonNil(v.Shape)) {
				FreeTensors(out...)
				return fmt.Errorf("checkpoint %s %w: %s has shape %v in the checkpoint, the model expects %v",
					from, ErrCheckpointMismatch, v.Key, got, nonNil(v.Shape))
			}
		}
		FreeTensors(out...)
		if err := runWithString(sess, filename, prefix, []tf.Output{saveT}, nil); err != nil {
			return fmt.Errorf("saving variables: %w", err)
		}
	}
	if err := ex.smokeTest(g, sess, mg); err != nil {
		return err
	}
	if len(spec.Assets) > 0 {
		dir := filepath.Join(staging, AssetsDir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, a := range spec.Assets {
			if err := os.WriteFile(filepath.Join(dir, a.Filename), a.Contents, 0o644); err != nil {
				return err
			}
		}
	}
	if len(spec.ExtraAssets) > 0 {
		dir := filepath.Join(staging, ExtraAssetsDir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, a := range spec.ExtraAssets {
			if err := os.WriteFile(filepath.Join(dir, a.Filename), a.Contents, 0o644); err != nil {
				return err
			}
		}
	}
	sm := &corepb.SavedModel{SavedModelSchemaVersion: 1, MetaGraphs: []*corepb.MetaGraphDef{mg}}
	data, err := proto.Marshal(sm)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(staging, SavedModelFile), data, 0o644)
}

// metaGraph assembles the MetaGraphDef; dtypes and shapes come from g, the
// imported export graph, so they are what the loaders will infer.
func (ex *export) metaGraph(g *tf.Graph) (*corepb.MetaGraphDef, error) {
	mg := &corepb.MetaGraphDef{
		MetaInfoDef: &corepb.MetaGraphDef_MetaInfoDef{
			Tags:              ex.tags,
			TensorflowVersion: tf.Version(),
			MetaGraphVersion:  "tfnids",
		},
		GraphDef:     ex.graph,
		SignatureDef: map[string]*corepb.SignatureDef{},
	}
	if len(ex.vars) > 0 {
		mg.SaverDef = &corepb.SaverDef{
			FilenameTensorName:        fullName(ex.filename),
			SaveTensorName:            fullName(ex.saveTensor),
			RestoreOpName:             ex.restoreOp,
			MaxToKeep:                 1,
			KeepCheckpointEveryNHours: 10000,
			Version:                   corepb.SaverDef_V2,
		}
	}
	info := func(name string) (*corepb.TensorInfo, error) {
		o, err := lookupTensor(g, name)
		if err != nil {
			return nil, err
		}
		return &corepb.TensorInfo{Encoding: &corepb.TensorInfo_Name{Name: fullName(tensorName(o))},
			Dtype: typespb.DataType(o.DataType()), TensorShape: shapeProto(o.Shape())}, nil
	}
	for key, sn := range ex.signatures {
		sd := &corepb.SignatureDef{MethodName: sn.method, Inputs: map[string]*corepb.TensorInfo{}, Outputs: map[string]*corepb.TensorInfo{}}
		for k, t := range sn.inputs {
			ti, err := info(t)
			if err != nil {
				return nil, fmt.Errorf("signature %q input %q: %w", key, k, err)
			}
			sd.Inputs[k] = ti
		}
		for k, t := range sn.outputs {
			ti, err := info(t)
			if err != nil {
				return nil, fmt.Errorf("signature %q output %q: %w", key, k, err)
			}
			sd.Outputs[k] = ti
		}
		mg.SignatureDef[key] = sd
	}
	files := make([]string, 0, len(ex.assets))
	for f := range ex.assets {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		ti, err := info(ex.assets[f])
		if err != nil {
			return nil, err
		}
		mg.AssetFileDef = append(mg.AssetFileDef, &corepb.AssetFileDef{TensorInfo: ti, Filename: f})
	}
	return mg, nil
}

// smokeTest runs every signature once on a batch of one zero example and
// checks the outputs against the declared dtypes and shapes.
func (ex *export) smokeTest(g *tf.Graph, sess *tf.Session, mg *corepb.MetaGraphDef) error {
	for key, sd := range mg.SignatureDef {
		feeds := map[tf.Output]*tf.Tensor{}
		var ins []*tf.Tensor
		ok := true
		for _, ti := range sd.Inputs {
			o, _ := lookupTensor(g, ti.GetName())
			shape := make([]int64, 0, len(ti.GetTensorShape().GetDim()))
			for _, d := range ti.GetTensorShape().GetDim() {
				shape = append(shape, max(d.GetSize(), 1))
			}
			t, err := zeroTensor(tf.DataType(ti.GetDtype()), shape)
			if err != nil || ti.GetTensorShape().GetUnknownRank() {
				ok = false // not a numeric input we can make up
				break
			}
			feeds[o] = t
			ins = append(ins, t)
		}
		if !ok {
			FreeTensors(ins...)
			continue
		}
		keys := sortedKeys(sd.Outputs)
		fetches := make([]tf.Output, len(keys))
		for i, k := range keys {
			fetches[i], _ = lookupTensor(g, sd.Outputs[k].GetName())
		}
		out, err := sess.Run(feeds, fetches, nil)
		FreeTensors(ins...)
		if err != nil {
			return fmt.Errorf("signature %q fails on a zero batch: %s", key, firstLine(err))
		}
		for i, k := range keys {
			ti := sd.Outputs[k]
			if err := compatible(tf.DataType(ti.GetDtype()), shapeSlice(ti.GetTensorShape()), out[i].DataType(), out[i].Shape()); err != nil {
				FreeTensors(out...)
				return fmt.Errorf("signature %q output %q: %w", key, k, err)
			}
		}
		FreeTensors(out...)
	}
	return nil
}

func zeroTensor(dt tf.DataType, shape []int64) (*tf.Tensor, error) {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	size := map[tf.DataType]int64{tf.Float: 4, tf.Double: 8, tf.Int32: 4, tf.Int64: 8, tf.Bool: 1}[dt]
	if size == 0 {
		return nil, fmt.Errorf("no zero value for %v", dt)
	}
	return tf.ReadTensor(dt, shape, bytes.NewReader(make([]byte, n*size)))
}

func runWithString(sess *tf.Session, feed tf.Output, value string, fetches []tf.Output, targets []*tf.Operation) error {
	t, err := tf.NewTensor(value)
	if err != nil {
		return err
	}
	defer FreeTensors(t)
	out, err := sess.Run(map[tf.Output]*tf.Tensor{feed: t}, fetches, targets)
	FreeTensors(out...)
	return err
}

// --- GraphDef surgery -------------------------------------------------------

func graphDefOf(g *tf.Graph) (*graphpb.GraphDef, error) {
	var buf bytes.Buffer
	if _, err := g.WriteTo(&buf); err != nil {
		return nil, err
	}
	gd := &graphpb.GraphDef{}
	if err := proto.Unmarshal(buf.Bytes(), gd); err != nil {
		return nil, err
	}
	return gd, nil
}

// tensorName is the GraphDef form of o: "node" for output 0, else "node:i".
func tensorName(o tf.Output) string {
	if o.Index == 0 {
		return o.Op.Name()
	}
	return o.Op.Name() + ":" + strconv.Itoa(o.Index)
}

// splitInput parses a GraphDef input: "node", "node:1" or "^node".
func splitInput(in string) (node string, idx int, control bool) {
	if strings.HasPrefix(in, "^") {
		return in[1:], -1, true
	}
	if i := strings.LastIndexByte(in, ':'); i >= 0 {
		if n, err := strconv.Atoi(in[i+1:]); err == nil {
			return in[:i], n, false
		}
	}
	return in, 0, false
}

// fullName is "node:i" even for output 0, the form TensorInfo and SaverDef
// use.
func fullName(t string) string {
	n, i, _ := splitInput(t)
	return n + ":" + strconv.Itoa(i)
}

func nodeOf(t string) string {
	n, _, _ := splitInput(t)
	return n
}

// canonical is "node" for output 0 and "node:i" otherwise.
func canonical(t string) string {
	n, i, c := splitInput(t)
	if c {
		return "^" + n
	}
	if i == 0 {
		return n
	}
	return n + ":" + strconv.Itoa(i)
}

// rewire makes every data input that reads a key of replace read its value.
func rewire(gd *graphpb.GraphDef, replace map[string]string) {
	if len(replace) == 0 {
		return
	}
	for _, n := range gd.Node {
		for i, in := range n.Input {
			if r, ok := replace[canonical(in)]; ok {
				n.Input[i] = r
			}
		}
	}
}

// prune keeps the nodes roots depend on (data and control inputs), in their
// original order.
func prune(gd *graphpb.GraphDef, roots []string) *graphpb.GraphDef {
	byName := make(map[string]int, len(gd.Node))
	for i, n := range gd.Node {
		byName[n.Name] = i
	}
	keep := make([]bool, len(gd.Node))
	stack := append([]string(nil), roots...)
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, ok := byName[name]
		if !ok || keep[i] {
			continue
		}
		keep[i] = true
		for _, in := range gd.Node[i].Input {
			stack = append(stack, nodeOf(in))
		}
	}
	out := &graphpb.GraphDef{Versions: gd.Versions, Library: gd.Library}
	for i, n := range gd.Node {
		if keep[i] {
			out.Node = append(out.Node, n)
		}
	}
	return out
}

// lookupTensor resolves "node:i" (or "node") in g.
func lookupTensor(g *tf.Graph, name string) (tf.Output, error) {
	node, idx, ctrl := splitInput(name)
	o := g.Operation(node)
	if o == nil || ctrl || idx < 0 || idx >= o.NumOutputs() {
		return tf.Output{}, fmt.Errorf("tensor %q is not in the graph", name)
	}
	return o.Output(idx), nil
}

func shapeProto(s tf.Shape) *shapepb.TensorShapeProto {
	dims, err := s.ToSlice()
	if err != nil {
		return &shapepb.TensorShapeProto{UnknownRank: true}
	}
	p := &shapepb.TensorShapeProto{}
	for _, d := range dims {
		p.Dim = append(p.Dim, &shapepb.TensorShapeProto_Dim{Size: d})
	}
	return p
}

// shapeSlice returns a shape's dims (-1 unknown), or nil for unknown rank.
func shapeSlice(p *shapepb.TensorShapeProto) []int64 {
	if p == nil || p.GetUnknownRank() {
		return nil
	}
	dims := make([]int64, len(p.GetDim()))
	for i, d := range p.GetDim() {
		dims[i] = d.GetSize()
	}
	return dims
}

func nonNil(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func firstLine(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	return msg
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func syncTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			syncDir(p)
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}

func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}
