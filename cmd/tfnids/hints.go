package main

import (
	"errors"
	"unicode/utf8"

	"github.com/tfnids/tfnids/dataset"
	"github.com/tfnids/tfnids/tfgraph"
)

// withHint returns err's message followed by the flag that changes the
// outcome. The libraries' errors speak of data and devices only; which flag
// a user turns is the CLI's business, so the advice is added here.
func withHint(err error) string {
	return err.Error() + flagHint(err)
}

func flagHint(err error) string {
	var de *dataset.Error
	if errors.As(err, &de) {
		switch de.Kind {
		case dataset.ErrBadValue:
			if de.Policy == dataset.BadError {
				return " (--bad-values drop skips such rows, --bad-values zero reads them as 0)"
			}
			return " (--bad-values drop skips such rows)"
		case dataset.ErrLabel:
			if utf8.ValidString(de.Value) {
				return " (--profile NAME picks another profile; --profile auto detects one)"
			}
		case dataset.ErrProfile:
			return " (name a profile with --profile NAME, or give a profile file: --profile FILE.yaml)"
		case dataset.ErrNoRowsKept:
			return " (--drop COL leaves a column out; --bad-values zero reads bad cells as 0)"
		}
		return ""
	}
	var dev *tfgraph.DeviceError
	if errors.As(err, &dev) {
		return "; drop --strict-device to fall back to the CPU"
	}
	return ""
}
