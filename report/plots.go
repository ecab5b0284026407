package report

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/tfnids/tfnids/internal/atomicfile"
)

// pngDPI is the resolution of PNG plots: twice a screen's 96 dpi, so that
// they stay sharp on high-density displays and when zoomed in the report.
const pngDPI = 192

// margin is the white space around a plot.
const margin = vg.Inch / 8

// sans sets the plot's texts in Liberation Sans (gonum/plot's default is the
// serif face), which reads better at small sizes.
func sans(p *plot.Plot) {
	for _, s := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		s.Font.Variant = "Sans"
	}
}

// plotText makes a label drawable: the plot fonts have no glyph for U+FFFD,
// the replacement character left in some CIC-IDS2017 labels
// ("Web Attack \ufffd Brute Force"), so it is shown as "?".
func plotText(s string) string { return strings.ReplaceAll(s, "\ufffd", "?") }

// formatOf returns the image format named by path's extension.
func formatOf(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png":
		return "png", nil
	case ".svg":
		return "svg", nil
	default:
		return "", fmt.Errorf("report: %s: unsupported plot format %q (want .png or .svg)", path, ext)
	}
}

// render draws the plots, one row of tiles, on a w×h canvas in format.
func render(w io.Writer, format string, width, height vg.Length, plots ...*plot.Plot) error {
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(pngDPI),
			vgimg.UseBackgroundColor(color.White))}
	case "svg":
		c = vgsvg.New(width, height)
	default:
		return fmt.Errorf("report: unsupported plot format %q", format)
	}
	dc := draw.Crop(draw.New(c), margin, -margin, margin, -margin)
	for _, p := range plots {
		sans(p)
	}
	if len(plots) == 1 {
		plots[0].Draw(dc)
	} else {
		tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 8, PadLeft: vg.Millimeter * 2,
			PadRight: vg.Millimeter * 2, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
		canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
		for i, p := range plots {
			p.Draw(canvases[0][i])
		}
	}
	_, err := c.WriteTo(w)
	return err
}

// save renders to path atomically.
func save(path string, width, height vg.Length, plots ...*plot.Plot) error {
	format, err := formatOf(path)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		return render(w, format, width, height, plots...)
	})
}

// confusionGrid is a confusion matrix as a heat map grid: column c is the
// predicted label c, grid row r the true label k−1−r (so label 0 is on top,
// as printed matrices read), valued by the share of the true label's rows.
type confusionGrid struct {
	m     [][]int64
	share [][]float64
}

func newConfusionGrid(m [][]int64) confusionGrid {
	g := confusionGrid{m: m, share: make([][]float64, len(m))}
	for i, row := range m {
		var n int64
		for _, v := range row {
			n += v
		}
		g.share[i] = make([]float64, len(row))
		for j, v := range row {
			g.share[i][j] = ratio(v, n)
		}
	}
	return g
}

func (g confusionGrid) Dims() (c, r int)   { return len(g.m), len(g.m) }
func (g confusionGrid) Z(c, r int) float64 { return g.share[len(g.m)-1-r][c] }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }

// nameTicks labels the integer positions 0 … len−1 with names.
type nameTicks []string

func (n nameTicks) Ticks(min, max float64) []plot.Tick {
	t := make([]plot.Tick, len(n))
	for i, s := range n {
		t[i] = plot.Tick{Value: float64(i), Label: s}
	}
	return t
}

// compactCount writes a count briefly: 891763 → "892k".
func compactCount(v int64) string {
	switch {
	case v < 10000:
		return fmt.Sprint(v)
	case v < 1000000:
		return fmt.Sprintf("%.0fk", float64(v)/1e3)
	default:
		return fmt.Sprintf("%.2gM", float64(v)/1e6)
	}
}

// confusionSide is the side of a square confusion plot for k classes.
func confusionSide(k int) vg.Length {
	return vg.Length(math.Min(14, math.Max(5, 0.55*float64(k)+2.5))) * vg.Inch
}

func confusionPlot(m [][]int64, classNames []string, title string) (*plot.Plot, error) {
	k := len(m)
	if k == 0 {
		return nil, fmt.Errorf("report: empty confusion matrix")
	}
	for i, row := range m {
		if len(row) != k {
			return nil, fmt.Errorf("report: confusion matrix row %d has %d entries, want %d", i, len(row), k)
		}
	}
	if classNames == nil {
		classNames = make([]string, k)
		for i := range classNames {
			classNames[i] = fmt.Sprint(i)
		}
	}
	if len(classNames) != k {
		return nil, fmt.Errorf("report: %d class names for a %d×%d confusion matrix", len(classNames), k, k)
	}
	pal, err := brewer.GetPalette(brewer.TypeSequential, "Blues", 9)
	if err != nil {
		return nil, err
	}
	g := newConfusionGrid(m)
	hm := plotter.NewHeatMap(g, pal)
	hm.Min, hm.Max = 0, 1

	p := plot.New()
	p.Title.Text = plotText(title) + "\ncolour: share of the true class's rows · numbers: rows"
	p.X.Label.Text = "predicted class"
	p.Y.Label.Text = "true class (rows)"
	p.Add(hm)

	fontSize := vg.Points(math.Max(6, math.Min(10, 110/float64(k))))
	var labels plotter.XYLabels
	var styles []color.Color
	for i, row := range m {
		for j, v := range row {
			if v == 0 {
				continue
			}
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(j), Y: float64(k - 1 - i)})
			labels.Labels = append(labels.Labels, fmt.Sprintf("%s\n%.1f%%", compactCount(v), 100*g.share[i][j]))
			if g.share[i][j] > 0.55 {
				styles = append(styles, color.White)
			} else {
				styles = append(styles, color.Black)
			}
		}
	}
	if len(labels.XYs) > 0 {
		l, err := plotter.NewLabels(labels)
		if err != nil {
			return nil, err
		}
		for i := range l.TextStyle {
			l.TextStyle[i].Color = styles[i]
			l.TextStyle[i].Font.Size = fontSize
			l.TextStyle[i].Font.Variant = "Sans"
			l.TextStyle[i].XAlign = draw.XCenter
			l.TextStyle[i].YAlign = draw.YCenter
		}
		p.Add(l)
	}

	// Y labels carry each true class's row count; a class without rows
	// (all blank) is then told apart from one that is never predicted.
	xNames := make(nameTicks, k)
	reversed := make(nameTicks, k)
	for i, n := range classNames {
		var rows int64
		for _, v := range m[i] {
			rows += v
		}
		xNames[i] = plotText(n)
		reversed[k-1-i] = fmt.Sprintf("%s (%s)", plotText(n), compactCount(rows))
	}
	p.X.Tick.Marker = xNames
	p.Y.Tick.Marker = reversed
	p.X.Min, p.X.Max = -0.5, float64(k)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(k)-0.5
	p.X.Padding, p.Y.Padding = 0, 0
	long := 0
	for _, n := range classNames {
		long = max(long, len(n))
	}
	if long > 3 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	return p, nil
}

// PlotConfusion draws confusion matrix m (rows true, columns predicted) as a
// heat map with classNames on both axes, each cell coloured by its share of
// the true class's rows and labelled with its count and that share. The
// format follows path's extension, .png or .svg; the file is written
// atomically. classNames may be nil (label codes are shown).
func PlotConfusion(path string, m [][]int64, classNames []string, title string) error {
	p, err := confusionPlot(m, classNames, title)
	if err != nil {
		return err
	}
	side := confusionSide(len(m))
	return save(path, side, side, p)
}

// finiteRuns splits a series at NaN and ±Inf values (a diverged loss), which
// gonum's plotters reject, into runs of finite points.
func finiteRuns(xs, ys []float64) []plotter.XYs {
	var runs []plotter.XYs
	var cur plotter.XYs
	for i := range xs {
		if math.IsNaN(ys[i]) || math.IsInf(ys[i], 0) {
			if len(cur) > 0 {
				runs = append(runs, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: xs[i], Y: ys[i]})
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}

// epochTicks puts ticks on the epoch axis at the first epoch and at the
// multiples of a step of 1, 2 or 5 times a power of ten, about ten of them.
type epochTicks struct{}

func (epochTicks) Ticks(min, max float64) []plot.Tick {
	step := 1.0
	for i := 0; (max-min)/step > 10; i++ {
		step *= []float64{2, 2.5, 2}[i%3] // 1, 2, 5, 10, 20, 50, …
	}
	first := math.Ceil(min)
	t := []plot.Tick{{Value: first, Label: fmt.Sprint(first)}}
	for v := math.Ceil(min/step) * step; v <= max; v += step {
		if v > first {
			t = append(t, plot.Tick{Value: v, Label: fmt.Sprint(v)})
		}
	}
	return t
}

func historyPlots(title string, folds []FoldHistory) ([]*plot.Plot, error) {
	if len(folds) == 0 {
		return nil, fmt.Errorf("report: no training history to plot")
	}
	validated := false
	for _, f := range folds {
		for _, e := range f.Epochs {
			validated = validated || e.Validated
		}
	}
	loss, acc := plot.New(), plot.New()
	loss.Title.Text = plotText(title) + ": training loss"
	acc.Title.Text = plotText(title) + ": training accuracy"
	if validated {
		loss.Title.Text = plotText(title) + ": loss"
		acc.Title.Text = plotText(title) + ": accuracy"
		loss.Title.Text += "\nsolid: training · dashed: test rows, inference mode (val_loss)"
		acc.Title.Text += "\nsolid: training · dashed: test rows, inference mode (val_accuracy)"
	}
	for _, p := range []*plot.Plot{loss, acc} {
		p.X.Label.Text = "epoch"
		p.X.Tick.Marker = epochTicks{}
		p.Add(plotter.NewGrid())
	}
	loss.Y.Label.Text = "loss"
	acc.Y.Label.Text = "accuracy"
	loss.Legend.Top = true
	acc.Legend.Top, acc.Legend.Left = false, false
	points := 0
	for i, f := range folds {
		n := len(f.Epochs)
		xs, l, a, vl, va := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
		for j, e := range f.Epochs {
			xs[j], l[j], a[j] = float64(e.Epoch), e.Loss, e.Accuracy
			vl[j], va[j] = math.NaN(), math.NaN()
			if e.Validated {
				vl[j], va[j] = e.ValLoss, e.ValAccuracy
			}
		}
		col := plotutil.Color(i)
		for _, s := range []struct {
			p      *plot.Plot
			ys     []float64
			dashed bool
		}{{loss, l, false}, {acc, a, false}, {loss, vl, true}, {acc, va, true}} {
			for r, run := range finiteRuns(xs, s.ys) {
				line, pts, err := plotter.NewLinePoints(run)
				if err != nil {
					return nil, err
				}
				line.Color = col
				line.Width = vg.Points(1.5)
				pts.Color = col
				pts.Shape = plotutil.Shape(i)
				pts.Radius = vg.Points(2.5)
				if s.dashed {
					line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
					pts.Radius = vg.Points(1.5)
				}
				s.p.Add(line, pts)
				points += len(run)
				if r == 0 && s.p == loss && !s.dashed {
					loss.Legend.Add(fmt.Sprintf("fold %d", f.Fold), line, pts)
				}
			}
		}
	}
	if points == 0 {
		return nil, fmt.Errorf("report: the training history has no finite values")
	}
	return []*plot.Plot{loss, acc}, nil
}

// calibrationPlot is a reliability diagram: per bin of the top probability,
// the share of right predictions against the mean top probability, with the
// diagonal of a perfectly calibrated model; numbers are the bin's examples.
func calibrationPlot(title string, folds []FoldCalibration) (*plot.Plot, error) {
	bins := sumCalibration(folds)
	var pts plotter.XYs
	var labels plotter.XYLabels
	var total int64
	for _, b := range bins {
		total += b.Count
		if b.Count == 0 {
			continue
		}
		x, y := float64(b.MeanConfidence), float64(b.Correct)/float64(b.Count)
		pts = append(pts, plotter.XY{X: x, Y: y})
		labels.XYs = append(labels.XYs, plotter.XY{X: x, Y: y})
		labels.Labels = append(labels.Labels, compactCount(b.Count))
	}
	if total == 0 {
		return nil, fmt.Errorf("report: no calibration data to plot")
	}
	var tops []float64
	for _, f := range folds {
		tops = append(tops, float64(f.MedianTopProbability))
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: reliability, all %d folds\nmedian top probability per fold: %s", plotText(title), len(folds), joinFloats(tops, 3))
	p.X.Label.Text = "predicted class's probability (bin mean)"
	p.Y.Label.Text = "share predicted right"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1.05
	p.Add(plotter.NewGrid())
	diag, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		return nil, err
	}
	diag.Color = color.Gray{Y: 150}
	diag.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, err
	}
	line.Color = plotutil.Color(0)
	line.Width = vg.Points(1.5)
	points.Color = plotutil.Color(0)
	points.Radius = vg.Points(3)
	lab, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].Font.Size = vg.Points(7)
		lab.TextStyle[i].XAlign = draw.XCenter
		lab.TextStyle[i].YAlign = draw.YBottom
		lab.Offset = vg.Point{Y: vg.Points(4)}
	}
	p.Add(diag, line, points, lab)
	p.Legend.Add("perfectly calibrated", diag)
	p.Legend.Add("model (numbers: examples in the bin)", line, points)
	p.Legend.Top, p.Legend.Left = false, false // bottom right: empty for any useful model
	return p, nil
}

func joinFloats(v []float64, digits int) string {
	s := make([]string, len(v))
	for i, f := range v {
		s[i] = strconv.FormatFloat(f, 'f', digits, 64)
	}
	return strings.Join(s, ", ")
}

// PlotHistory draws the training loss and accuracy per epoch, one line per
// fold, as two panels side by side. The format follows path's extension,
// .png or .svg; the file is written atomically. Non-finite values (a
// diverged loss) leave a gap in their line.
func PlotHistory(path, title string, folds []FoldHistory) error {
	plots, err := historyPlots(title, folds)
	if err != nil {
		return err
	}
	return save(path, 11*vg.Inch, 4.5*vg.Inch, plots...)
}

// renderPNG renders plots to PNG bytes (for the HTML report).
func renderPNG(width, height vg.Length, plots ...*plot.Plot) ([]byte, error) {
	var b bytes.Buffer
	if err := render(&b, "png", width, height, plots...); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SumConfusion adds up per-fold confusion matrices of equal size.
func SumConfusion(folds []FoldConfusion) [][]int64 {
	if len(folds) == 0 {
		return nil
	}
	k := len(folds[0].Matrix)
	sum := make([][]int64, k)
	for i := range sum {
		sum[i] = make([]int64, k)
	}
	for _, f := range folds {
		if len(f.Matrix) != k {
			panic(fmt.Sprintf("report: fold %d confusion matrix is %d×%d, want %d×%d", f.Fold, len(f.Matrix), len(f.Matrix), k, k))
		}
		for i, row := range f.Matrix {
			for j, v := range row {
				sum[i][j] += v
			}
		}
	}
	return sum
}

// Slug turns a model name into a file-name part: "cnn mc  cnn-64-64" →
// "cnn-mc-cnn-64-64".
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "model"
	}
	return b.String()
}

// WritePlots draws every plot of r into dir, as PNG and SVG: per model the
// confusion matrix summed over folds (<model>-confusion.png), each fold's
// (<model>-confusion-fold<k>.png) and the training curves
// (<model>-history.png). Plots whose data the results lack (the seed's files
// have no matrices or histories) are skipped. It returns the files written.
func WritePlots(dir string, r *Results) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	both := func(base string, draw func(path string) error) error {
		for _, ext := range []string{".png", ".svg"} {
			p := filepath.Join(dir, base+ext)
			if err := draw(p); err != nil {
				return err
			}
			written = append(written, p)
		}
		return nil
	}
	for _, name := range r.ModelNames() {
		m := r.Models[name]
		slug := Slug(name)
		if len(m.Confusion) > 0 {
			sum := SumConfusion(m.Confusion)
			err := both(slug+"-confusion", func(p string) error {
				return PlotConfusion(p, sum, r.classNames(len(sum)), fmt.Sprintf("%s, all %d folds", name, len(m.Confusion)))
			})
			if err != nil {
				return written, err
			}
			for _, f := range m.Confusion {
				err := both(fmt.Sprintf("%s-confusion-fold%d", slug, f.Fold), func(p string) error {
					return PlotConfusion(p, f.Matrix, r.classNames(len(f.Matrix)), fmt.Sprintf("%s, fold %d", name, f.Fold))
				})
				if err != nil {
					return written, err
				}
			}
		}
		if hasHistory(m.History) {
			if err := both(slug+"-history", func(p string) error { return PlotHistory(p, name, m.History) }); err != nil {
				return written, err
			}
		}
		if len(m.Calibration) > 0 {
			err := both(slug+"-calibration", func(p string) error {
				pl, err := calibrationPlot(name, m.Calibration)
				if err != nil {
					return err
				}
				return save(p, 6*vg.Inch, 5*vg.Inch, pl)
			})
			if err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

func hasHistory(h []FoldHistory) bool {
	for _, f := range h {
		for _, e := range f.Epochs {
			if !math.IsNaN(e.Loss) && !math.IsInf(e.Loss, 0) || !math.IsNaN(e.Accuracy) && !math.IsInf(e.Accuracy, 0) {
				return true
			}
		}
	}
	return false
}

// classNames returns the label names for a k-class matrix, or nil when the
// results do not name k classes.
func (r *Results) classNames(k int) []string {
	if len(r.LabelNames) == k {
		return r.LabelNames
	}
	return nil
}
