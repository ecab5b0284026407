package serving

import (
	"context"
	"time"

	corepb "github.com/wamuir/graft/tensorflow/core/protobuf/for_core_protos_go_proto"
	apispb "github.com/wamuir/graft/tensorflow/serving/apis_go_proto"
	tslpb "github.com/wamuir/graft/tensorflow/tsl/protobuf/for_core_protos_go_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	protoenc "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// This file answers TensorFlow Serving's gRPC API:
// tensorflow.serving.PredictionService (Predict, GetModelMetadata;
// Classify, Regress and MultiInference answer UNIMPLEMENTED) and
// tensorflow.serving.ModelService (GetModelStatus;
// HandleReloadConfigRequest answers UNIMPLEMENTED: edit the model config
// file instead). graft ships the message types but no service stubs, so
// the services are registered from hand-written descriptors; the method
// paths are those of prediction_service.proto and model_service.proto.

type grpcService struct{ s *Server }

// unary builds a method whose request type is Req. call records its
// stages in the *stageTimes it gets (nil when metrics are off), which
// begins with unmarshalling the request.
func unary[Req any, PReq interface {
	*Req
	proto.Message
}](name, api string, call func(*grpcService, context.Context, PReq, *stageTimes) (proto.Message, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, intercept grpc.UnaryServerInterceptor) (any, error) {
			g := srv.(*grpcService)
			var st *stageTimes
			if g.s.metrics != nil {
				st = &stageTimes{}
				st.start()
			}
			req := PReq(new(Req))
			if err := dec(req); err != nil {
				return nil, err
			}
			st.lap(stageRead)
			handle := func(ctx context.Context, r any) (any, error) {
				start := time.Now()
				size := int64(proto.Size(req))
				if err := g.s.reserve(size); err != nil {
					return nil, toStatus(err)
				}
				defer g.s.unreserve(size)
				resp, err := call(g, ctx, r.(PReq), st)
				if spec, ok := any(req).(interface{ GetModelSpec() *apispb.ModelSpec }); ok && api != "" {
					model := spec.GetModelSpec().GetName()
					g.s.metrics.request(model, api, "GRPC", CodeOf(err), time.Since(start))
					if err == nil {
						g.s.metrics.stageTimes(model, "GRPC", st)
					}
				}
				if err != nil {
					return nil, toStatus(err)
				}
				return resp, nil
			}
			if intercept == nil {
				return handle(ctx, req)
			}
			return intercept(ctx, req, &grpc.UnaryServerInfo{Server: srv, FullMethod: name}, handle)
		},
	}
}

func toStatus(err error) error {
	if e, ok := err.(*Error); ok {
		return status.Error(e.Code, e.Msg)
	}
	return status.Error(codes.Unknown, err.Error())
}

var predictionServiceDesc = grpc.ServiceDesc{
	ServiceName: "tensorflow.serving.PredictionService",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unary[apispb.ClassificationRequest]("Classify", "Classify", (*grpcService).classify),
		unary[apispb.RegressionRequest]("Regress", "Regress", (*grpcService).regress),
		unary[apispb.PredictRequest]("Predict", "Predict", (*grpcService).predict),
		unary[apispb.MultiInferenceRequest]("MultiInference", "MultiInference", (*grpcService).multiInference),
		unary[apispb.GetModelMetadataRequest]("GetModelMetadata", "GetModelMetadata", (*grpcService).getModelMetadata),
	},
	Metadata: "tensorflow_serving/apis/prediction_service.proto",
}

var modelServiceDesc = grpc.ServiceDesc{
	ServiceName: "tensorflow.serving.ModelService",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unary[apispb.GetModelStatusRequest]("GetModelStatus", "GetModelStatus", (*grpcService).getModelStatus),
		unary[apispb.ReloadConfigRequest]("HandleReloadConfigRequest", "", (*grpcService).reloadConfig),
	},
	Metadata: "tensorflow_serving/apis/model_service.proto",
}

// newGRPCServer returns a gRPC server with both services. Messages may be
// as large as REST bodies.
func (s *Server) newGRPCServer() *grpc.Server {
	opts := []grpc.ServerOption{grpc.MaxRecvMsgSize(int(s.opts.MaxBodyBytes)), grpc.MaxSendMsgSize(1<<31 - 1)}
	if s.metrics != nil {
		// The response is serialized after the handler returns; only the
		// codec sees it.
		opts = append(opts, grpc.ForceServerCodecV2(timedCodec{encoding.GetCodecV2(protoenc.Name), s.metrics}))
	}
	gs := grpc.NewServer(opts...)
	svc := &grpcService{s: s}
	gs.RegisterService(&predictionServiceDesc, svc)
	gs.RegisterService(&modelServiceDesc, svc)
	return gs
}

// versionSpec reads a ModelSpec's version choice.
func versionSpec(ms *apispb.ModelSpec) VersionSpec {
	var spec VersionSpec
	if v := ms.GetVersion(); v != nil {
		n := v.GetValue()
		spec.Version = &n
	}
	spec.Label = ms.GetVersionLabel()
	return spec
}

// acquire finds the servable a ModelSpec asks for.
func (g *grpcService) acquire(ms *apispb.ModelSpec) (*servable, error) {
	if ms == nil {
		return nil, badRequest("Missing ModelSpec")
	}
	m := g.s.mg.get(ms.GetName())
	spec := versionSpec(ms)
	if m == nil {
		return nil, unknownModel(ms.GetName(), spec)
	}
	return m.acquire(spec)
}

// timedCodec is the proto codec, recording how long serializing a
// PredictResponse takes as the request's marshal stage.
type timedCodec struct {
	encoding.CodecV2
	m *metrics
}

func (c timedCodec) Marshal(v any) (mem.BufferSlice, error) {
	resp, ok := v.(*apispb.PredictResponse)
	if !ok {
		return c.CodecV2.Marshal(v)
	}
	start := time.Now()
	out, err := c.CodecV2.Marshal(v)
	c.m.stage(resp.GetModelSpec().GetName(), "GRPC", stageMarshal, time.Since(start))
	return out, err
}

func (g *grpcService) predict(ctx context.Context, req *apispb.PredictRequest, st *stageTimes) (proto.Message, error) {
	sv, err := g.acquire(req.GetModelSpec())
	if err != nil {
		return nil, err
	}
	defer sv.release()
	return predictProto(sv, req, st)
}

func (g *grpcService) getModelMetadata(ctx context.Context, req *apispb.GetModelMetadataRequest, _ *stageTimes) (proto.Message, error) {
	if len(req.GetMetadataField()) == 0 {
		return nil, badRequest("GetModelMetadataRequest must specify at least one metadata_field")
	}
	for _, f := range req.GetMetadataField() {
		if f != "signature_def" {
			return nil, badRequest("Metadata field %s is not supported", f)
		}
	}
	sv, err := g.acquire(req.GetModelSpec())
	if err != nil {
		return nil, err
	}
	defer sv.release()
	defs := map[string]*corepb.SignatureDef{}
	for k, v := range sv.pred.MetaGraph.GetSignatureDef() {
		defs[k] = v
	}
	a, err := anypb.New(&apispb.SignatureDefMap{SignatureDef: defs})
	if err != nil {
		return nil, err
	}
	return &apispb.GetModelMetadataResponse{
		ModelSpec: &apispb.ModelSpec{Name: sv.model, VersionChoice: &apispb.ModelSpec_Version{Version: wrapperspb.Int64(sv.version)}},
		Metadata:  map[string]*anypb.Any{"signature_def": a},
	}, nil
}

func (g *grpcService) getModelStatus(ctx context.Context, req *apispb.GetModelStatusRequest, _ *stageTimes) (proto.Message, error) {
	ms := req.GetModelSpec()
	if ms == nil {
		return nil, badRequest("Missing ModelSpec")
	}
	m := g.s.mg.get(ms.GetName())
	if m == nil {
		return nil, notFoundf("Could not find any versions of model %s", ms.GetName())
	}
	version, err := m.resolve(versionSpec(ms))
	if err != nil {
		return nil, err
	}
	sts, err := m.Status(version)
	if err != nil {
		return nil, err
	}
	resp := &apispb.GetModelStatusResponse{}
	for _, st := range sts {
		mvs := &apispb.ModelVersionStatus{Version: st.Version, Status: &apispb.StatusProto{ErrorCode: tslpb.Code_OK}}
		switch st.State {
		case StateLoading:
			mvs.State = apispb.ModelVersionStatus_LOADING
		case StateAvailable:
			mvs.State = apispb.ModelVersionStatus_AVAILABLE
		case StateEnd:
			mvs.State = apispb.ModelVersionStatus_END
		}
		if st.Err != nil {
			mvs.Status.ErrorCode = tslpb.Code(CodeOf(st.Err))
			mvs.Status.ErrorMessage = st.Err.Error()
		}
		resp.ModelVersionStatus = append(resp.ModelVersionStatus, mvs)
	}
	return resp, nil
}

func unimplemented(method string) error {
	return statusErr(codes.Unimplemented, "%s is not implemented by tfnids serve: tfnids models export a predict signature only; use Predict", method)
}

func (g *grpcService) classify(ctx context.Context, req *apispb.ClassificationRequest, _ *stageTimes) (proto.Message, error) {
	return nil, unimplemented("Classify")
}

func (g *grpcService) regress(ctx context.Context, req *apispb.RegressionRequest, _ *stageTimes) (proto.Message, error) {
	return nil, unimplemented("Regress")
}

func (g *grpcService) multiInference(ctx context.Context, req *apispb.MultiInferenceRequest, _ *stageTimes) (proto.Message, error) {
	return nil, unimplemented("MultiInference")
}

func (g *grpcService) reloadConfig(ctx context.Context, req *apispb.ReloadConfigRequest, _ *stageTimes) (proto.Message, error) {
	return nil, statusErr(codes.Unimplemented, "HandleReloadConfigRequest is not implemented by tfnids serve; edit the --model_config_file, which is re-read every --model_config_file_poll_wait_seconds")
}
