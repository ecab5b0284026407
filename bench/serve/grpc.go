package main

import (
	"context"
	"fmt"
	"time"

	tensorpb "github.com/wamuir/graft/tensorflow/core/framework/tensor_go_proto"
	shapepb "github.com/wamuir/graft/tensorflow/core/framework/tensor_shape_go_proto"
	typespb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
	apispb "github.com/wamuir/graft/tensorflow/serving/apis_go_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

// grpcSender drives tensorflow.serving.PredictionService/Predict over one
// HTTP/2 connection (what TensorFlow Serving's clients do) with
// pre-built requests.
type grpcSender struct {
	conn   *grpc.ClientConn
	reqs   []*apispb.PredictRequest
	bodies [][]byte // the requests serialized, for the size column
}

func newGRPCSender(addr, model string, x []float32, shape []int, rows, count int) (*grpcSender, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30), grpc.MaxCallSendMsgSize(1<<30)))
	if err != nil {
		return nil, err
	}
	per := 1
	for _, d := range shape[1:] {
		per *= d
	}
	g := &grpcSender{conn: conn}
	for k := 0; k < count; k++ {
		tp := &tensorpb.TensorProto{Dtype: typespb.DataType_DT_FLOAT, TensorShape: &shapepb.TensorShapeProto{}}
		tp.TensorShape.Dim = append(tp.TensorShape.Dim, &shapepb.TensorShapeProto_Dim{Size: int64(rows)})
		for _, d := range shape[1:] {
			tp.TensorShape.Dim = append(tp.TensorShape.Dim, &shapepb.TensorShapeProto_Dim{Size: int64(d)})
		}
		for r := 0; r < rows; r++ {
			i := (k*rows + r) % shape[0]
			tp.FloatVal = append(tp.FloatVal, x[i*per:(i+1)*per]...)
		}
		req := &apispb.PredictRequest{ModelSpec: &apispb.ModelSpec{Name: model, SignatureName: "serving_default"},
			Inputs: map[string]*tensorpb.TensorProto{"x": tp}}
		b, err := proto.Marshal(req)
		if err != nil {
			return nil, err
		}
		g.reqs, g.bodies = append(g.reqs, req), append(g.bodies, b)
	}
	return g, nil
}

func (g *grpcSender) send(i int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	resp := &apispb.PredictResponse{}
	if err := g.conn.Invoke(ctx, "/tensorflow.serving.PredictionService/Predict", g.reqs[i], resp); err != nil {
		return err
	}
	if len(resp.GetOutputs()["classes"].GetInt64Val()) == 0 {
		return fmt.Errorf("response without classes")
	}
	return nil
}
