// Command folds prints, as JSON, the rows and cross-validation folds that
// `tfnids train` uses for a data set, so that the Keras benchmark
// (bench/keras/train_keras.py) trains and tests on exactly the same rows.
//
// It loads the data as experiment.Run does (bad values dropped, no dedupe,
// stable timestamp sort, multi-class labels, no network features) and splits
// it with the splitter `tfnids train --cv CV --splits K --seed S` builds. The
// output names the feature columns in the header's spelling, the class names
// in factorize order, every row's label and raw (unscaled) column sums, so
// the Python side can check that its pandas frame has the same rows in the
// same order before it uses the fold indices.
//
//	go run ./bench/folds --data DIR --profile cicids2017_improved --cv stratified --splits 5 --seed 42 > folds.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/experiment"
)

type output struct {
	Profile      string    `json:"profile"`
	Splitter     string    `json:"splitter"`
	Rows         int       `json:"rows"`
	FeatureNames []string  `json:"feature_names"`
	ClassNames   []string  `json:"class_names"`
	Labels       []int32   `json:"labels"`
	ColumnSums   []float64 `json:"column_sums"`
	Folds        []fold    `json:"folds"`
}

type fold struct {
	Train []int `json:"train"`
	Test  []int `json:"test"`
}

func main() {
	data := flag.String("data", "", "CSV file, directory or glob (comma-separated for several)")
	profile := flag.String("profile", "auto", "dataset profile")
	cv := flag.String("cv", "stratified", "timeseries, stratified, kfold or none (as tfnids train --cv)")
	splits := flag.Int("splits", 5, "number of folds")
	seed := flag.Int64("seed", 42, "seed (as tfnids train --seed)")
	flag.Parse()
	if *data == "" {
		fail(fmt.Errorf("usage: folds --data PATH [--profile P] [--cv CV] [--splits K] [--seed S]"))
	}
	paths := strings.Split(*data, ",")
	prof, _, err := dataset.ProfileFor(*profile, paths)
	if err != nil {
		fail(err)
	}
	cfg := experiment.Defaults()
	cfg.Data, cfg.CV, cfg.Splits, cfg.Seed = paths, *cv, *splits, *seed
	frame, _, err := dataset.Load(paths, dataset.LoadOptions{
		Profile: prof, BadValues: dataset.BadDrop, Dedupe: cfg.Dedupe, SortByTimestamp: cfg.SortTimestamp,
		MultiClass: !cfg.Binary, NetworkFeatures: cfg.NetworkFeatures,
	})
	if err != nil {
		fail(err)
	}
	sp := cfg.Splitter()
	folds, err := sp.Split(frame.Rows, frame.Labels)
	if err != nil {
		fail(err)
	}
	out := output{Profile: prof.Name, Splitter: sp.String(), Rows: frame.Rows, FeatureNames: frame.FeatureNames,
		ClassNames: frame.ClassNames, Labels: frame.Labels, ColumnSums: make([]float64, frame.Features)}
	for i := 0; i < frame.Rows; i++ {
		for j, v := range frame.Row(i) {
			out.ColumnSums[j] += float64(v)
		}
	}
	for _, f := range folds {
		out.Folds = append(out.Folds, fold{Train: f.Train, Test: f.Test})
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "folds:", err)
	os.Exit(1)
}
