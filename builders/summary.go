package builders

import (
	"fmt"
	"strconv"
	"strings"
)

// Summary returns the Keras 3 model.summary() table of cfg, as Keras prints
// it before fit() (no optimizer parameters): one row per layer with its
// Keras name and class, output shape with None for the batch, and parameter
// count; then total, trainable and non-trainable parameters with their
// float32 sizes. The title is the seed's model name. No graph is built.
func Summary(cfg Config) (string, error) {
	layers, err := cfg.Describe()
	if err != nil {
		return "", err
	}
	return formatSummary(cfg.Name(), layers), nil
}

// Column content widths of Keras 3's summary table (80 columns).
const (
	colName   = 31
	colShape  = 22
	colParams = 13
)

func formatSummary(title string, layers []LayerInfo) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Model: %q\n", title)
	rule := func(l, m, r, h string) {
		sb.WriteString(l + strings.Repeat(h, colName+2) + m + strings.Repeat(h, colShape+2) + m + strings.Repeat(h, colParams+2) + r + "\n")
	}
	row := func(edge string, name, shape, params string) {
		nl, sl := wrap(name, colName), wrap(shape, colShape)
		n := max(len(nl), len(sl))
		for i := 0; i < n; i++ {
			var a, b, c string
			if i < len(nl) {
				a = nl[i]
			}
			if i < len(sl) {
				b = sl[i]
			}
			if i == 0 {
				c = params
			}
			fmt.Fprintf(&sb, "%s %-*s %s %-*s %s %*s %s\n", edge, colName, a, edge, colShape, b, edge, colParams, c, edge)
		}
	}
	rule("┏", "┳", "┓", "━")
	row("┃", "Layer (type)", "Output Shape", "Param #")
	rule("┡", "╇", "┩", "━")
	var total, trainable, nonTrainable int64
	for i, l := range layers {
		if i > 0 {
			rule("├", "┼", "┤", "─")
		}
		row("│", fmt.Sprintf("%s (%s)", l.Name, l.Type), ShapeString(l.OutputShape), Thousands(l.Params()))
		total += l.Params()
		trainable += l.Trainable
		nonTrainable += l.NonTrainable
	}
	rule("└", "┴", "┘", "─")
	fmt.Fprintf(&sb, " Total params: %s (%s)\n", Thousands(total), MemorySize(4*total))
	fmt.Fprintf(&sb, " Trainable params: %s (%s)\n", Thousands(trainable), MemorySize(4*trainable))
	fmt.Fprintf(&sb, " Non-trainable params: %s (%s)\n", Thousands(nonTrainable), MemorySize(4*nonTrainable))
	return sb.String()
}

// wrap splits text into lines of at most width runes at spaces (as rich
// wraps Keras' table cells), cutting words longer than a line.
func wrap(text string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(text) {
		for len([]rune(w)) > width {
			if cur != "" {
				lines, cur = append(lines, cur), ""
			}
			r := []rune(w)
			lines, w = append(lines, string(r[:width])), string(r[width:])
		}
		switch {
		case cur == "":
			cur = w
		case len([]rune(cur))+1+len([]rune(w)) <= width:
			cur += " " + w
		default:
			lines, cur = append(lines, cur), w
		}
	}
	if cur != "" || len(lines) == 0 {
		lines = append(lines, cur)
	}
	return lines
}

// ShapeString formats a per-example shape as Keras prints output shapes:
// [35 64] → "(None, 35, 64)".
func ShapeString(shape []int) string {
	parts := []string{"None"}
	for _, d := range shape {
		parts = append(parts, strconv.Itoa(d))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Thousands formats n with comma separators, as Keras' summary: 110422 →
// "110,422".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// MemorySize formats a byte count as Keras' readable_memory_size: "512.00 B",
// "431.34 KB" (steps of 1024, two decimals).
func MemorySize(bytes int64) string {
	v := float64(bytes)
	for _, unit := range []string{"B", "KB", "MB", "GB", "TB"} {
		if v/1024 < 1 {
			return fmt.Sprintf("%.2f %s", v, unit)
		}
		v /= 1024
	}
	return fmt.Sprintf("%.2f PB", v)
}
