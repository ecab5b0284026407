package report

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/vg"

	"github.com/tfnids/tfnids/internal/atomicfile"
)

//go:embed report.html.tmpl
var htmlTemplate string

var pageTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"f5":    func(f Float) string { return fmtFloat(f, 5) },
	"f4":    func(f Float) string { return fmtFloat(f, 4) },
	"secs":  fmtSeconds,
	"count": fmtCount,
	"inc":   func(i int) int { return i + 1 },
}).Parse(htmlTemplate))

func fmtFloat(f Float, digits int) string {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}

func fmtSeconds(f Float) string {
	v := float64(f)
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case v < 10:
		return fmt.Sprintf("%.2f s", v)
	case v < 120:
		return fmt.Sprintf("%.1f s", v)
	default:
		return (time.Duration(v) * time.Second).Round(time.Second).String()
	}
}

// fmtCount writes an integer with thousands separators: 891763 → "891,763".
func fmtCount(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

type htmlPage struct {
	Title      string
	R          *Results
	SeedFormat bool
	Details    [][2]string
	Models     []htmlModel
	Splits     *htmlSplits
	Generated  string
	// Headline names the best model for each metric (mean over folds).
	Headline []htmlBest
}

type htmlBest struct {
	Metric, Model, Anchor, Value, Better string
	// Cells are every model's value, the best one marked.
	Cells []htmlBestCell
}

type htmlBestCell struct {
	Value string
	Best  bool
}

type htmlModel struct {
	Name, Anchor string
	Mean         Averages
	Scores       []FoldScores
	Confusion    template.URL
	ConfusionPx  int // display width of the confusion plot
	History      template.URL
	Validated    bool // the history has validation curves
	Calibration  template.URL
	MedianTop    []Float // per fold
	BN           []htmlBN
	Folds        []htmlFold
	PlotErrors   []string
}

type htmlBN struct {
	Fold int
	BNRecalibration
}

type htmlFold struct {
	Scores      FoldScores
	Classes     []htmlClass
	SeedClassF1 Float
	Confusion   *htmlMatrix
}

// htmlMatrix is a confusion matrix drawn as an HTML table, cells shaded by
// their share of the true class's rows like the heat-map plots.
type htmlMatrix struct {
	Head []htmlClassRef
	Rows []htmlMatrixRow
}

type htmlClassRef struct {
	Code int
	Name string
}

type htmlMatrixRow struct {
	htmlClassRef
	Support int64
	Cells   []htmlMatrixCell
}

type htmlMatrixCell struct {
	Count int64
	Style template.CSS
	Title string
}

type htmlClass struct {
	Key                                       string
	Name                                      string
	Support, Predicted                        int64
	HasPredicted                              bool
	Precision, Recall, F1, FPR, FNR, Accuracy Float
	Unseen                                    bool
}

type htmlSplits struct {
	Folds []int
	Rows  []htmlSplitRow
	Total []htmlSplitCell
}

type htmlSplitRow struct {
	Name  string
	Cells []htmlSplitCell
}

type htmlSplitCell struct {
	Train, Test int64
	Unseen      bool
}

func pngURL(b []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))
}

func (r *Results) className(i int) string {
	if r.IsSeedFormat() && len(r.LabelNames) == 0 {
		return fmt.Sprintf("index %d", i)
	}
	return r.labelName(i)
}

func buildPage(r *Results) *htmlPage {
	p := &htmlPage{
		Title:      "tfnids results: " + r.DatasetName,
		R:          r,
		SeedFormat: r.IsSeedFormat(),
		Generated:  time.Now().Format("2006-01-02 15:04:05 MST"),
	}
	mode := "binary"
	if r.MultiClass {
		mode = "multi-class"
	}
	if r.NumClasses > 0 {
		mode += fmt.Sprintf(", %d classes", r.NumClasses)
	}
	add := func(k, v string) {
		if v != "" {
			p.Details = append(p.Details, [2]string{k, v})
		}
	}
	add("dataset", r.DatasetName)
	add("split", r.Configuration)
	add("mode", mode)
	if len(r.LabelNames) > 0 {
		var s []string
		for i, n := range r.LabelNames {
			s = append(s, fmt.Sprintf("%d %s", i, n))
		}
		add("label codes", strings.Join(s, " · "))
	}
	add("input features", fmt.Sprint(r.InputDim))
	nf := "off"
	if r.WithNetworkFeatures {
		nf = "on: " + strings.Join(r.NetworkFeatures, ", ")
	}
	add("network features", nf)
	add("sequence length (LSTM/GRU)", fmt.Sprint(r.SequenceLength))
	add("rows sorted by time", fmt.Sprint(r.WithSortTimestamp))
	if len(r.DroppedColumns) > 0 {
		add("dropped columns", strings.Join(r.DroppedColumns, ", "))
	}
	if !p.SeedFormat {
		add("seed", fmt.Sprint(r.Seed))
	}
	if !r.Start.IsZero() {
		add("started", r.Start.Format("2006-01-02 15:04:05 MST"))
	}
	add("finished", r.Endtime)
	if r.WallSeconds > 0 {
		add("wall time", fmtSeconds(Float(r.WallSeconds)))
	}
	for _, e := range r.Exports {
		add("exported "+e.Source, fmt.Sprintf("%s: %s → %s", e.Model, e.Why, e.Dir))
	}
	add("tfnids", r.TfnidsVersion)
	add("TensorFlow", r.TensorFlowVersion)
	add("command", strings.Join(r.CommandLine, " "))
	if p.SeedFormat {
		add("file", "written by the seed notebook: per-class entries are keyed by confusion-matrix index, which is not the label code when a class is absent from the fold; no confusion matrices, histories or tfnids scores")
	} else {
		add("file format", r.Format)
	}

	if len(r.Splits) > 0 && r.NumClasses > 0 {
		s := &htmlSplits{Total: make([]htmlSplitCell, len(r.Splits))}
		for _, sp := range r.Splits {
			s.Folds = append(s.Folds, sp.Fold)
		}
		for c := range r.NumClasses {
			row := htmlSplitRow{Name: fmt.Sprintf("%d %s", c, r.labelName(c))}
			for i, sp := range r.Splits {
				var cell htmlSplitCell
				if c < len(sp.TrainSupport) && c < len(sp.TestSupport) {
					cell = htmlSplitCell{Train: sp.TrainSupport[c], Test: sp.TestSupport[c]}
					cell.Unseen = cell.Test > 0 && cell.Train == 0
				}
				s.Total[i].Train += cell.Train
				s.Total[i].Test += cell.Test
				row.Cells = append(row.Cells, cell)
			}
			s.Rows = append(s.Rows, row)
		}
		p.Splits = s
	}

	for i, name := range r.ModelNames() {
		m := r.Models[name]
		hm := htmlModel{Name: name, Anchor: fmt.Sprintf("model-%d", i+1), Scores: m.Scores}
		hm.Mean = mean(m.Scores) // the seed's files lack the tfnids averages
		if p.SeedFormat {
			// Row counts and K from the class report, which the seed's
			// scores lack.
			hm.Scores = append([]FoldScores(nil), m.Scores...)
			for j := range hm.Scores {
				if j < len(m.ClassReport) && hm.Scores[j].TestRows == 0 {
					for _, n := range m.ClassReport[j].RecordsCount {
						hm.Scores[j].TestRows += n
					}
					hm.Scores[j].ClassesPresent = len(m.ClassReport[j].RecordsCount)
				}
			}
		}
		if len(m.Confusion) > 0 {
			sum := SumConfusion(m.Confusion)
			if pl, err := confusionPlot(sum, r.classNames(len(sum)), fmt.Sprintf("%s, all %d folds", name, len(m.Confusion))); err != nil {
				hm.PlotErrors = append(hm.PlotErrors, err.Error())
			} else if b, err := renderPNG(confusionSide(len(sum)), confusionSide(len(sum)), pl); err != nil {
				hm.PlotErrors = append(hm.PlotErrors, err.Error())
			} else {
				hm.Confusion = pngURL(b)
				hm.ConfusionPx = min(1150, 60*len(sum)+350)
			}
		}
		if hasHistory(m.History) {
			if pls, err := historyPlots(name, m.History); err != nil {
				hm.PlotErrors = append(hm.PlotErrors, err.Error())
			} else if b, err := renderPNG(11*vg.Inch, 4.5*vg.Inch, pls...); err != nil {
				hm.PlotErrors = append(hm.PlotErrors, err.Error())
			} else {
				hm.History = pngURL(b)
			}
		}
		for _, f := range m.History {
			for _, e := range f.Epochs {
				hm.Validated = hm.Validated || e.Validated
			}
		}
		if len(m.Calibration) > 0 {
			if pl, err := calibrationPlot(name, m.Calibration); err != nil {
				hm.PlotErrors = append(hm.PlotErrors, err.Error())
			} else if b, err := renderPNG(6*vg.Inch, 5*vg.Inch, pl); err != nil {
				hm.PlotErrors = append(hm.PlotErrors, err.Error())
			} else {
				hm.Calibration = pngURL(b)
			}
			for _, c := range m.Calibration {
				hm.MedianTop = append(hm.MedianTop, c.MedianTopProbability)
			}
		}
		for _, sc := range m.Scores {
			if sc.BNRecalibration != nil {
				hm.BN = append(hm.BN, htmlBN{Fold: sc.Fold, BNRecalibration: *sc.BNRecalibration})
			}
		}
		for j, s := range hm.Scores {
			f := htmlFold{Scores: s}
			var cr *ClassReportJSON
			if j < len(m.ClassReport) {
				cr = &m.ClassReport[j]
				f.SeedClassF1 = cr.SeedClassF1
				if p.SeedFormat && len(cr.ClassF1) > 0 {
					f.SeedClassF1 = cr.ClassF1[0] // the seed's class_f1 is this one value
				}
			}
			var split *SplitInfo
			for k := range r.Splits {
				if r.Splits[k].Fold == s.Fold {
					split = &r.Splits[k]
				}
			}
			if cr != nil {
				for c := range cr.RecordsCount {
					hc := htmlClass{
						Key:       strconv.Itoa(c),
						Name:      r.className(c),
						Support:   cr.RecordsCount[c],
						Precision: at(cr.ClassPrecision, c),
						Recall:    at(cr.ClassRecall, c),
						F1:        at(cr.ClassF1, c),
						FPR:       at(cr.ClassFPR, c),
						FNR:       at(cr.ClassFNR, c),
						Accuracy:  at(cr.ClassAccuracy, c),
					}
					if c < len(cr.ClassPredicted) {
						hc.Predicted, hc.HasPredicted = cr.ClassPredicted[c], true
					}
					if p.SeedFormat {
						hc.F1 = Float(math.NaN()) // the seed's class_f1 is not a per-class value
					}
					if hc.HasPredicted && hc.Support == 0 && hc.Predicted == 0 {
						continue // absent from the fold and never predicted
					}
					if split != nil && c < len(split.TrainSupport) {
						hc.Unseen = hc.Support > 0 && split.TrainSupport[c] == 0
					}
					f.Classes = append(f.Classes, hc)
				}
			}
			for _, fc := range m.Confusion {
				if fc.Fold == s.Fold {
					f.Confusion = r.matrixTable(fc.Matrix)
				}
			}
			hm.Folds = append(hm.Folds, f)
		}
		p.Models = append(p.Models, hm)
	}
	p.Headline = headline(p.Models, p.SeedFormat)
	return p
}

// headline picks the best model for each metric by its mean over folds
// (ties: the first in file order); nothing for a single model.
func headline(models []htmlModel, seedFormat bool) []htmlBest {
	if len(models) < 2 {
		return nil
	}
	type metric struct {
		name   string
		higher bool
		get    func(Averages) Float
	}
	metrics := []metric{
		{"accuracy", true, func(a Averages) Float { return a.AverageAcc }},
		{"weighted F1", true, func(a Averages) Float { return a.AverageF1s }},
	}
	if !seedFormat {
		metrics = append(metrics,
			metric{"macro F1", true, func(a Averages) Float { return a.AverageMacroF1 }},
			metric{"macro recall (attack classes found)", true, func(a Averages) Float { return a.AverageMacroRecall }},
			metric{"FPR, all classes", false, func(a Averages) Float { return a.AverageFPRAllClasses }},
			metric{"macro FNR", false, func(a Averages) Float { return a.AverageMacroFNR }},
			metric{"predict time per fold", false, func(a Averages) Float { return a.AverageTime }},
		)
	}
	var out []htmlBest
	for _, mt := range metrics {
		best := -1
		for i, m := range models {
			v := float64(mt.get(m.Mean))
			if math.IsNaN(v) {
				continue
			}
			if best < 0 || (mt.higher && v > float64(mt.get(models[best].Mean))) || (!mt.higher && v < float64(mt.get(models[best].Mean))) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		b := htmlBest{Metric: mt.name, Model: models[best].Name, Anchor: models[best].Anchor, Better: "higher is better"}
		if !mt.higher {
			b.Better = "lower is better"
		}
		format := func(v Float) string {
			if strings.Contains(mt.name, "time") {
				return fmtSeconds(v)
			}
			return fmtFloat(v, 4)
		}
		b.Value = format(mt.get(models[best].Mean))
		for i, m := range models {
			b.Cells = append(b.Cells, htmlBestCell{Value: format(mt.get(m.Mean)), Best: i == best})
		}
		out = append(out, b)
	}
	return out
}

// matrixTable lays out a confusion matrix for HTML, keeping the classes
// present in the fold (true or predicted), as the seed's matrix does.
func (r *Results) matrixTable(m [][]int64) *htmlMatrix {
	pal, err := brewer.GetPalette(brewer.TypeSequential, "Blues", 9)
	if err != nil {
		return nil
	}
	colors := pal.Colors()
	k := len(m)
	support := make([]int64, k)
	pred := make([]int64, k)
	for i, row := range m {
		if len(row) != k {
			return nil
		}
		for j, v := range row {
			support[i] += v
			pred[j] += v
		}
	}
	var keep []int
	t := &htmlMatrix{}
	for c := range k {
		if support[c] > 0 || pred[c] > 0 {
			keep = append(keep, c)
			t.Head = append(t.Head, htmlClassRef{c, r.className(c)})
		}
	}
	for _, i := range keep {
		row := htmlMatrixRow{htmlClassRef: htmlClassRef{i, r.className(i)}, Support: support[i]}
		for _, j := range keep {
			share := ratio(m[i][j], support[i])
			cr, cg, cb, _ := colors[int(math.Round(share*float64(len(colors)-1)))].RGBA()
			style := fmt.Sprintf("background:#%02x%02x%02x", cr>>8, cg>>8, cb>>8)
			if share > 0.55 {
				style += ";color:#fff"
			}
			row.Cells = append(row.Cells, htmlMatrixCell{
				Count: m[i][j],
				Style: template.CSS(style),
				Title: fmt.Sprintf("true %s, predicted %s: %d rows, %.1f%% of the true class", r.className(i), r.className(j), m[i][j], 100*share),
			})
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func at(b ByLabel[Float], i int) Float {
	if i < len(b) {
		return b[i]
	}
	return Float(math.NaN())
}

// RenderHTML writes the report page for r to w: run details, warnings, the
// per-model averages (seed-compatible scores and tfnids' additions), the rows
// per class of each fold, and per model the fold scores, the confusion
// matrix over all folds, the training curves and, per fold, the per-class
// scores and confusion matrix. Plots are embedded as PNG data, so the page
// needs no other file.
func RenderHTML(w io.Writer, r *Results) error {
	return pageTemplate.Execute(w, buildPage(r))
}

// WriteHTML writes RenderHTML's page to path atomically.
func WriteHTML(path string, r *Results) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return RenderHTML(w, r) })
}

// Summary writes a plain-text table of each model's seed-compatible means
// over folds (and, for tfnids files, the macro F1) to w, for terminals and
// logs.
func Summary(w io.Writer, r *Results) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := []string{"model", "folds", "accuracy", "precision", "recall", "F1", "FPR", "FNR"}
	if !r.IsSeedFormat() {
		row = append(row, "macro F1")
	}
	fmt.Fprintln(tw, strings.Join(row, "\t"))
	for _, name := range r.ModelNames() {
		m := r.Models[name]
		a := mean(m.Scores)
		row = []string{name, fmt.Sprint(len(m.Scores))}
		for _, v := range []Float{a.AverageAcc, a.AveragePrecision, a.AverageRecall, a.AverageF1s, a.AverageFPR, a.AverageFNR} {
			row = append(row, fmtFloat(v, 5))
		}
		if !r.IsSeedFormat() {
			row = append(row, fmtFloat(a.AverageMacroF1, 5))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}
