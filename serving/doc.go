// Package serving exports tfnids models as TensorFlow Serving SavedModels
// and serves them over TensorFlow Serving's gRPC and REST APIs from the tfnids binary.
//
// # Export
//
// Export rebuilds a model's inference graph from its model card
// (builders.BuildInference), puts the card's MinMax scaling in front of it
// as ops, adds the outputs "probabilities" (float32 [-1, C]) and "classes"
// (int64 [-1]), restores the weights from a training checkpoint (or a live
// training session) and writes <base>/<name>/<version> with
// tfgraph.WriteSavedModel: saved_model.pb, variables/, and assets/ holding
// class_names.txt, feature_names.txt and the model card, and
// assets.extra/tf_serving_warmup_requests. Clients send raw,
// unscaled features: float32 [-1, F], or windows [-1, L, F] for lstm and
// gru, in the order of feature_names.txt.
//
// # Serve
//
// Server answers TensorFlow Serving's gRPC API (PredictionService/Predict
// and GetModelMetadata, ModelService/GetModelStatus; service descriptors
// written by hand, since graft ships the message types only) and its REST
// API, for one model or for the models of a model config file (text
// ModelServerConfig, parsed into the real message; re-read when it
// changes). Each model's base path is polled for integer version
// directories; its version policy (latest N, all, specific) chooses which
// are loaded; a version is warmed up (assets.extra/tf_serving_warmup_requests,
// or one zero example) before it is AVAILABLE; version labels name
// versions. REST routes, like TensorFlow Serving's:
//
//	GET  /v1/models/{name}[/versions/{v}|/labels/{l}]            model_version_status
//	GET  /v1/models/{name}[/versions/{v}|/labels/{l}]/metadata   signature_def metadata
//	POST /v1/models/{name}[/versions/{v}|/labels/{l}]:predict    row ("instances") or columnar ("inputs") requests
//
// Errors carry TensorFlow Serving's status codes and messages (Error),
// mapped to HTTP as it maps them, and never a server path. Request JSON is
// decoded straight into the input tensor's buffer; large requests run in
// slices of MaxRowsPerRun rows; a cap on the bytes in flight answers excess
// requests with RESOURCE_EXHAUSTED (429). Optional: batching of concurrent
// requests into one session run (BatchingOptions), and Prometheus metrics
// under TensorFlow Serving's names (MonitoringOptions).
//
// PredictExamples runs batch prediction over a SavedModel in-process (what
// `tfnids predict` does).
package serving
