package timing

import (
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestTotalsSumByNameInFirstSeenOrder(t *testing.T) {
	stages := []Stage{
		{Name: "read", Seconds: 1.5},
		{Name: "fit", Fold: 1, Model: "cnn", Seconds: 10},
		{Name: "predict", Fold: 1, Model: "cnn", Seconds: 0.5},
		{Name: "fit", Fold: 2, Model: "cnn", Seconds: 20},
	}
	got := Totals(stages)
	want := []Total{{"read", 1.5, 1}, {"fit", 30, 2}, {"predict", 0.5, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Totals = %+v, want %+v", got, want)
	}
	if s, w := Format(got), "read 1.50s, fit 30.0s (2×), predict 0.50s"; s != w {
		t.Errorf("Format = %q, want %q", s, w)
	}
}

func TestRecorderConcurrentAndNil(t *testing.T) {
	var r Recorder
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Add(Stage{Name: "fit", Fold: i})
		}()
	}
	wg.Wait()
	if n := len(r.Stages()); n != 8 {
		t.Fatalf("%d stages recorded, want 8", n)
	}
	got := r.Stages()
	got[0].Name = "changed"
	if r.Stages()[0].Name != "fit" {
		t.Error("Stages returned the recorder's own slice")
	}

	t0 := time.Now().Add(-time.Second)
	r.Since("load", t0)
	last := r.Stages()[8]
	if last.Name != "load" || last.Seconds < 1 {
		t.Errorf("Since recorded %+v, want load >= 1s", last)
	}

	var nilRec *Recorder
	nilRec.Add(Stage{Name: "x"})
	nilRec.Since("y", t0)
	if s := nilRec.Stages(); s != nil {
		t.Errorf("nil recorder returned %v", s)
	}
}
