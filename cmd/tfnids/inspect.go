package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
	typespb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"

	"github.com/tfnids/tfnids/modelcard"
	"github.com/tfnids/tfnids/serving"
	"github.com/tfnids/tfnids/tfgraph"
)

func init() {
	register(&cli.Command{
		Name:      "inspect",
		Usage:     "show a SavedModel's tags, signatures (inputs/outputs with dtypes and shapes), variables and class names",
		ArgsUsage: "DIR",
		Description: "DIR is a SavedModel version directory, or a model base path (its highest version is shown).\n" +
			"The signature listing has the layout of `saved_model_cli show --dir DIR --all`; tfnids exports\n" +
			"also list their classes, input features and model card. Nothing is loaded into TensorFlow.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON (signatures as TensorFlow Serving's metadata API shows them)"},
		},
		Action: inspectAction,
	})
}

type inspectJSON struct {
	Dir          string          `json:"dir"`
	Tags         [][]string      `json:"tags"`
	SignatureDef map[string]any  `json:"signature_def"`
	Variables    []inspectVar    `json:"variables"`
	Assets       []string        `json:"assets"`
	ClassNames   []string        `json:"class_names,omitempty"`
	FeatureNames []string        `json:"feature_names,omitempty"`
	Card         *modelcard.Card `json:"model_card,omitempty"`
}

type inspectVar struct {
	Name  string  `json:"name"`
	DType string  `json:"dtype"`
	Shape []int64 `json:"shape"`
}

func inspectAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usageErr("inspect: expected one SavedModel directory (usage: tfnids inspect DIR)")
	}
	dir, err := serving.ResolveExport(c.Args().First())
	if err != nil {
		return usageErr("inspect: %v", err)
	}
	sm, err := tfgraph.ReadSavedModel(dir)
	if err != nil {
		return usageErr("inspect: %v", err)
	}
	w := c.App.Writer
	info := inspectJSON{Dir: dir, SignatureDef: map[string]any{}}
	for _, mg := range sm.GetMetaGraphs() {
		info.Tags = append(info.Tags, mg.GetMetaInfoDef().GetTags())
	}
	mg, err := tfgraph.FindMetaGraph(sm, []string{tfgraph.ServeTag})
	if err != nil && len(sm.GetMetaGraphs()) > 0 {
		mg, err = sm.GetMetaGraphs()[0], nil
	}
	if err != nil {
		return usageErr("inspect: %s: %v", dir, err)
	}
	for _, n := range mg.GetGraphDef().GetNode() {
		if n.GetOp() != "VarHandleOp" {
			continue
		}
		v := inspectVar{Name: string(n.GetAttr()["shared_name"].GetS()), DType: typespb.DataType(n.GetAttr()["dtype"].GetType()).String()}
		if v.Name == "" {
			v.Name = n.GetName()
		}
		v.Shape = []int64{}
		for _, d := range n.GetAttr()["shape"].GetShape().GetDim() {
			v.Shape = append(v.Shape, d.GetSize())
		}
		info.Variables = append(info.Variables, v)
	}
	sort.Slice(info.Variables, func(i, j int) bool { return info.Variables[i].Name < info.Variables[j].Name })
	for _, a := range mg.GetAssetFileDef() {
		info.Assets = append(info.Assets, a.GetFilename())
	}
	readNames := func(name string) []string {
		b, err := os.ReadFile(filepath.Join(dir, tfgraph.AssetsDir, name))
		if err != nil {
			return nil
		}
		return modelcard.ParseNames(b)
	}
	info.ClassNames = readNames(modelcard.ClassNamesAsset)
	info.FeatureNames = readNames(modelcard.FeatureNamesAsset)
	if card, err := modelcard.Read(filepath.Join(dir, tfgraph.AssetsDir, modelcard.AssetName)); err == nil {
		info.Card = card
	}
	if c.Bool("json") {
		for k, v := range serving.SignatureDefJSON(mg.GetSignatureDef()) {
			info.SignatureDef[k] = v
		}
		b, err := json.MarshalIndent(info, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\n", b)
		return nil
	}

	fmt.Fprintf(w, "SavedModel: %s\n\n", dir)
	for _, m := range sm.GetMetaGraphs() {
		printMetaGraph(w, m)
	}
	if sd := mg.GetSaverDef(); sd != nil {
		fmt.Fprintf(w, "\nSaverDef: %s, filename tensor %s, restore op %s\n", sd.GetVersion(), sd.GetFilenameTensorName(), sd.GetRestoreOpName())
	}
	fmt.Fprintf(w, "\nVariables (%d):\n", len(info.Variables))
	for _, v := range info.Variables {
		fmt.Fprintf(w, "  %-40s %-9s %s\n", v.Name, strings.TrimPrefix(v.DType, "DT_"), tfgraph.ShapeString(v.Shape))
	}
	if len(info.Assets) > 0 {
		fmt.Fprintf(w, "\nAssets: %s\n", strings.Join(info.Assets, ", "))
	}
	if info.ClassNames != nil {
		fmt.Fprintf(w, "\nClasses (%d; \"classes\" holds the index, -1 for a row with non-finite features):\n", len(info.ClassNames))
		for i, n := range info.ClassNames {
			fmt.Fprintf(w, "  %3d  %s\n", i, n)
		}
	}
	if info.FeatureNames != nil {
		fmt.Fprintf(w, "\nInput features (%d, the order of the last axis of the input; send them raw, unscaled):\n", len(info.FeatureNames))
		for i, n := range info.FeatureNames {
			fmt.Fprintf(w, "  %3d  %s\n", i, n)
		}
	}
	if card := info.Card; card != nil {
		fmt.Fprintf(w, "\nModel card: %s, %s", card.Model.Model, card.Name)
		if card.Dataset != "" {
			fmt.Fprintf(w, ", dataset %s fold %d", card.Dataset, card.Fold)
		}
		if card.Schema.Profile != nil {
			fmt.Fprintf(w, ", profile %s", card.Schema.Profile.Name)
		}
		if card.Model.IsRecurrent() {
			fmt.Fprintf(w, ", windows of %d rows", card.Model.WindowLength())
		}
		if card.TfnidsVersion != "" {
			fmt.Fprintf(w, ", tfnids %s", card.TfnidsVersion)
		}
		fmt.Fprintln(w)
	}
	return nil
}

// printMetaGraph prints one MetaGraphDef as saved_model_cli show --all does.
func printMetaGraph(w io.Writer, mg *corepb.MetaGraphDef) {
	tags := strings.Join(mg.GetMetaInfoDef().GetTags(), ", ")
	fmt.Fprintf(w, "MetaGraphDef with tag-set: '%s' contains the following SignatureDefs:\n", tags)
	keys := make([]string, 0, len(mg.GetSignatureDef()))
	for k := range mg.GetSignatureDef() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		sd := mg.GetSignatureDef()[k]
		fmt.Fprintf(w, "\nsignature_def['%s']:\n", k)
		fmt.Fprintln(w, "  The given SavedModel SignatureDef contains the following input(s):")
		printTensorInfos(w, "inputs", sd.GetInputs())
		fmt.Fprintln(w, "  The given SavedModel SignatureDef contains the following output(s):")
		printTensorInfos(w, "outputs", sd.GetOutputs())
		fmt.Fprintf(w, "  Method name is: %s\n", sd.GetMethodName())
	}
}

func printTensorInfos(w io.Writer, kind string, infos map[string]*corepb.TensorInfo) {
	keys := make([]string, 0, len(infos))
	for k := range infos {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ti := infos[k]
		shape := "unknown_rank"
		if !ti.GetTensorShape().GetUnknownRank() {
			dims := []int64{}
			for _, d := range ti.GetTensorShape().GetDim() {
				dims = append(dims, d.GetSize())
			}
			shape = tfgraph.ShapeString(dims)
		}
		fmt.Fprintf(w, "    %s['%s'] tensor_info:\n        dtype: %s\n        shape: %s\n        name: %s\n",
			kind, k, typespb.DataType(ti.GetDtype()), shape, ti.GetName())
	}
}
