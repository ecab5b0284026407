package report

import (
	"fmt"
	"math"
	"slices"
)

// CalibrationBins is the number of equal-width bins of the top probability
// in a reliability diagram.
const CalibrationBins = 10

// FoldCalibration is one fold's reliability data: the test examples binned
// by the probability of the predicted class (the top probability; for a
// binary model max(p, 1−p)), with how many of each bin were right.
type FoldCalibration struct {
	Fold int              `json:"fold"`
	Bins []CalibrationBin `json:"bins"`
	// MedianTopProbability is the median over the test examples of the
	// predicted class's probability: how sure the model says it is.
	MedianTopProbability Float `json:"median_top_probability"`
}

// CalibrationBin covers top probabilities in [Lo, Hi).
type CalibrationBin struct {
	Lo      Float `json:"lo"`
	Hi      Float `json:"hi"`
	Count   int64 `json:"count"`
	Correct int64 `json:"correct"`
	// MeanConfidence is the mean top probability of the bin's examples.
	MeanConfidence Float `json:"mean_confidence"`
}

// Calibrate bins predictions by top probability. probs is row-major with
// width values per example (width 1: a binary model's sigmoid output);
// labels are the true label codes.
func Calibrate(fold int, probs []float32, width int, labels []int32) FoldCalibration {
	c := FoldCalibration{Fold: fold, Bins: make([]CalibrationBin, CalibrationBins)}
	sums := make([]float64, CalibrationBins)
	n := len(probs) / width
	tops := make([]float64, 0, n)
	for i := 0; i < n && i < len(labels); i++ {
		row := probs[i*width : (i+1)*width]
		var top float64
		var pred int32
		if width == 1 {
			top, pred = float64(row[0]), 1
			if top <= 0.5 {
				top, pred = 1-top, 0
			}
		} else {
			for j, v := range row {
				if j == 0 || float64(v) > top {
					top, pred = float64(v), int32(j)
				}
			}
		}
		if math.IsNaN(top) {
			continue
		}
		b := min(int(top*CalibrationBins), CalibrationBins-1)
		c.Bins[b].Count++
		sums[b] += top
		if pred == labels[i] {
			c.Bins[b].Correct++
		}
		tops = append(tops, top)
	}
	for b := range c.Bins {
		c.Bins[b].Lo, c.Bins[b].Hi = Float(float64(b)/CalibrationBins), Float(float64(b+1)/CalibrationBins)
		c.Bins[b].MeanConfidence = Float(math.NaN())
		if c.Bins[b].Count > 0 {
			c.Bins[b].MeanConfidence = Float(sums[b] / float64(c.Bins[b].Count))
		}
	}
	c.MedianTopProbability = Float(median(tops))
	return c
}

// MedianTopProbability is the median probability of the predicted class
// (see Calibrate).
func MedianTopProbability(probs []float32, width int) float64 {
	labels := make([]int32, len(probs)/width)
	return float64(Calibrate(0, probs, width, labels).MedianTopProbability)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// SetCalibration records model's reliability data for fold c.Fold.
func (r *Results) SetCalibration(model string, c FoldCalibration) {
	m := r.Models[model]
	if m == nil {
		panic(fmt.Sprintf("report: SetCalibration for unknown model %q", model))
	}
	m.Calibration = upsert(m.Calibration, c, func(c FoldCalibration) int { return c.Fold })
}

// SetBNRecalibration records the measured effect of re-estimating the
// batch-norm statistics of model's fold.
func (r *Results) SetBNRecalibration(model string, fold int, b BNRecalibration) {
	m := r.Models[model]
	if m == nil {
		panic(fmt.Sprintf("report: SetBNRecalibration for unknown model %q", model))
	}
	for i := range m.Scores {
		if m.Scores[i].Fold == fold {
			m.Scores[i].BNRecalibration = &b
			return
		}
	}
	panic(fmt.Sprintf("report: SetBNRecalibration for model %q: fold %d not recorded", model, fold))
}

// sumCalibration adds up folds' bins.
func sumCalibration(folds []FoldCalibration) []CalibrationBin {
	out := make([]CalibrationBin, CalibrationBins)
	sums := make([]float64, CalibrationBins)
	for _, f := range folds {
		for b, bin := range f.Bins {
			if b >= CalibrationBins {
				break
			}
			out[b].Lo, out[b].Hi = bin.Lo, bin.Hi
			out[b].Count += bin.Count
			out[b].Correct += bin.Correct
			if bin.Count > 0 && !math.IsNaN(float64(bin.MeanConfidence)) {
				sums[b] += float64(bin.MeanConfidence) * float64(bin.Count)
			}
		}
	}
	for b := range out {
		out[b].MeanConfidence = Float(math.NaN())
		if out[b].Count > 0 {
			out[b].MeanConfidence = Float(sums[b] / float64(out[b].Count))
		}
	}
	return out
}

// ExportInfo records a SavedModel a run exported beyond the per-fold ones:
// which model, from what (a fold or the final model), why, and where.
type ExportInfo struct {
	Model  string `json:"model"`
	Source string `json:"source"`
	Why    string `json:"why"`
	Dir    string `json:"dir"`
}

// AddExport records an export.
func (r *Results) AddExport(e ExportInfo) { r.Exports = append(r.Exports, e) }
