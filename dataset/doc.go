// Package dataset loads, cleans and windows network-flow CSVs and Parquet
// files exactly as the seed Keras pipeline (mtermos/GDLC) preprocessed
// them, fast and in pure Go.
//
// Data flows one way: files → Profile → Frame → MinMaxScaler → Examples
// (rows or windows) → batches. Nothing here touches TensorFlow.
//
// # Profiles
//
// A Profile says which column holds the timestamp, the binary label and the
// class name, and which columns never reach the model (identifiers, the
// seed's weak columns, network features unless asked for). Six are built
// in (ProfileNames): cic_ton_iot and cic_ids_2017 (the seed's DatasetInfo
// definitions), cicids2017_improved (the CIC-IDS2017 files in shared/data),
// ton_iot_network (Zeek-style ToN-IoT CSVs), netflow (the NF-* family v1
// and v2) and netflow_v3 (NF-*-v3, sorted by FLOW_START_MILLISECONDS).
// A column the profile does not name is a numeric input unless it holds
// text in nearly every sampled row: then it is left out with a Warning.
// LoadOptions.Drop and Features override the profile's choice of inputs.
// ProfileFor("auto", paths) picks one from the first file's header and says
// why (the one entry point for resolving a profile for data); a
// user profile is a YAML or JSON file (LoadProfileFile), optionally
// extending a built-in. Column names match after trimming spaces and BOMs,
// case-insensitively and through aliases (the CICFlowMeter short and long
// spellings: "Tot Fwd Pkts" is "Total Fwd Packets" is "Total Fwd Packet").
//
// # What Load does, in the seed's order
//
//  1. Read the files (CSV plain or gzip, or Parquet; concatenated in name
//     order) in parallel chunks (Parquet: row groups), parsing numbers
//     straight from the bytes into float32.
//  2. Bad values in numeric columns (empty, NaN, ±Infinity, "-", other text,
//     values beyond float32): drop the row (BadDrop, the seed's
//     replace(inf, nan) + dropna), zero the cell (BadZero) or stop with an
//     error naming file, line, column and text (BadError). Counts per column
//     are in the LoadReport.
//  3. Optionally drop duplicate rows ignoring Timestamp and Flow ID, keeping
//     the first (the seed's drop_duplicates, before the sort).
//  4. Stably sort by timestamp (the seed used an unstable quicksort on
//     1-second ties; stable order makes runs reproducible).
//  5. Labels: multi-class labels are pd.factorize codes of the class column
//     after the sort; binary labels come from the label column, or from
//     class != benign class when the profile has no label column.
//  6. Inputs are the remaining columns in file order; categorical columns
//     are factorized or one-hot encoded.
//
// Scaling is separate because it must be fitted on each training fold only:
// FitMinMax and MinMaxScaler.Transform follow scikit-learn's MinMaxScaler.
// Sequence models read NewWindows (length L, stride 1, label of the last
// row, as keras.utils.timeseries_dataset_from_array with
// targets=labels[L-1:]) built per split, so no window spans a fold boundary
// and the first L−1 rows of each split get no prediction; the trainer
// (builders) batches and shuffles them.
//
// New data for a trained model is encoded with LoadLike and the training
// frame's Schema (the same inputs, categories and class names).
//
// # Example
//
//	prof, why, err := dataset.ProfileFor("auto", []string{"data/"})
//	f, rep, err := dataset.Load([]string{"data/"}, dataset.LoadOptions{
//		Profile: prof, MultiClass: true, SortByTimestamp: true, Dedupe: true,
//	})
//	// rep says what was dropped and why; f.X is f.Rows × f.Features float32.
//	n := f.Rows * 5 / 6
//	train, test := f.Range(0, n), f.Range(n, f.Rows)
//	s := dataset.FitMinMax(train.X, train.Rows, train.Features)
//	s.Transform(train.X, train.Rows)
//	s.Transform(test.X, test.Rows)
//	w, err := dataset.NewWindows(train.X, train.Rows, train.Features, train.Labels, 3)
//	for lo := 0; lo < w.Len(); lo += 256 {
//		idx := make([]int, 0, 256)
//		for i := lo; i < min(lo+256, w.Len()); i++ {
//			idx = append(idx, i)
//		}
//		x := make([]float32, len(idx)*3*train.Features)
//		y := make([]int32, len(idx))
//		w.Gather(idx, x, y)
//		// feed x, y
//	}
//
// Programmer errors (shape mismatches in Gather, Transform, Subset) panic
// with a "dataset:" message; everything that depends on the data returns an
// error, a *Error with a Kind for problems in the data itself. Errors speak
// of the data (file, line, column, what was expected) and never of
// command-line flags; the CLI adds those.
//
// # Where the code lives
//
// Load runs in stages, one file each: paths.go (which files, opening them,
// gzip and CR-only handling, the header), plan.go (each column's role from
// the first header; every file's field-to-column plan) with screen.go (the
// text-column screen it consults), read.go (the single reader cutting files
// into chunks of whole records and assigning row slots), parse.go (the
// workers parsing chunks into the slot store; row() is generic over CSV
// fields and Parquet values), parquet.go (the Parquet reader and cells),
// assemble.go (finish: remap codes, dedupe, compact, sort by time,
// factorize, one-hot). errors.go holds the *Error type.
package dataset
