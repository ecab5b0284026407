package main

import (
	"context"
	"fmt"

	tensorpb "github.com/wamuir/graft/tensorflow/core/framework/tensor_go_proto"
	shapepb "github.com/wamuir/graft/tensorflow/core/framework/tensor_shape_go_proto"
	typespb "github.com/wamuir/graft/tensorflow/core/framework/types_go_proto"
	apispb "github.com/wamuir/graft/tensorflow/serving/apis_go_proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

// grpcSender drives tensorflow.serving.PredictionService/Predict with
// pre-built requests, the clients' calls multiplexed as HTTP/2 streams
// over a few connections (what TensorFlow Serving's clients do with one
// channel). It is kept lean because it shares the server's cores: no
// per-call context or timer, one response message per client reused.
type grpcSender struct {
	conns  []*grpc.ClientConn
	reqs   []*apispb.PredictRequest
	bodies [][]byte // the requests serialized, for the size column
}

func newGRPCSender(addr, model string, x []float32, shape []int, rows, count, conns int) (*grpcSender, error) {
	g := &grpcSender{}
	for range max(conns, 1) {
		// Each NewClient is its own connection (no sharing between
		// ClientConns).
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1<<30), grpc.MaxCallSendMsgSize(1<<30)))
		if err != nil {
			g.close()
			return nil, err
		}
		g.conns = append(g.conns, conn)
	}
	per := 1
	for _, d := range shape[1:] {
		per *= d
	}
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
			g.close()
			return nil, err
		}
		g.reqs, g.bodies = append(g.reqs, req), append(g.bodies, b)
	}
	return g, nil
}

func (g *grpcSender) close() {
	for _, c := range g.conns {
		c.Close()
	}
}

// worker is client c's call: its connection and response message are its
// own; it walks the requests from its own offset.
func (g *grpcSender) worker(c int) func() error {
	conn := g.conns[c%len(g.conns)]
	resp := &apispb.PredictResponse{}
	i := c * 7
	ctx := context.Background()
	return func() error {
		i++
		if err := conn.Invoke(ctx, "/tensorflow.serving.PredictionService/Predict", g.reqs[i%len(g.reqs)], resp); err != nil {
			return err
		}
		if len(resp.GetOutputs()["classes"].GetInt64Val()) == 0 {
			return fmt.Errorf("response without classes")
		}
		return nil
	}
}
