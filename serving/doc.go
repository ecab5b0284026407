// Package serving exports tfnids models as TensorFlow Serving SavedModels
// and serves them over TensorFlow Serving's REST API from the tfnids binary.
//
// # Export
//
// Export rebuilds a model's inference graph from its model card
// (builders.BuildInference), puts the card's MinMax scaling in front of it
// as ops, adds the outputs "probabilities" (float32 [-1, C]) and "classes"
// (int64 [-1]), restores the weights from a training checkpoint (or a live
// training session) and writes <base>/<name>/<version> with
// tfgraph.WriteSavedModel: saved_model.pb, variables/, and assets/ holding
// class_names.txt, feature_names.txt and the model card. Clients send raw,
// unscaled features: float32 [-1, F], or windows [-1, L, F] for lstm and
// gru, in the order of feature_names.txt.
//
// # Serve
//
// Server watches <base>/<name> for integer version directories, serves the
// highest one that loads, and swaps in new versions as they appear (the old
// session is closed once its last request finishes). It answers, like
// TensorFlow Serving:
//
//	GET  /v1/models/{name}[/versions/{v}]            model_version_status
//	GET  /v1/models/{name}[/versions/{v}]/metadata   signature_def metadata
//	POST /v1/models/{name}[/versions/{v}]:predict    row ("instances") or columnar ("inputs") requests
//
// Request bodies may use the NaN, Infinity and -Infinity tokens TensorFlow
// Serving accepts; responses use them for non-finite outputs. Errors are
// {"error": "..."} with 400 (bad request), 404 (unknown model or version),
// 413 (body too large) or 500. All requests share one TensorFlow session per
// loaded version; Session.Run is safe for concurrent use.
package serving
