package dataset

import (
	"errors"
	"reflect"
	"testing"
)

func TestTextColumnsFollowRows(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "a.csv", "id,ts,src,dst,a,label,class\n"+
		"1,2024-01-01 00:00:03,10.0.0.3,10.0.0.9,3,0,normal\n"+
		"2,2024-01-01 00:00:01,10.0.0.1,10.0.0.9,1,1,dos\n"+
		"3,2024-01-01 00:00:02,10.0.0.2,fe80::1,nan,0,normal\n"+ // dropped: bad value
		"4,2024-01-01 00:00:02,-,10.0.0.9,2,0,normal\n"+
		"5,2024-01-01 00:00:03,10.0.0.3,10.0.0.9,3,0,normal\n") // duplicate of row 1 (id, ts ignored)
	prof := testProfile()
	prof.DedupeIgnoreColumns = []string{"id", "src", "dst"}
	prof.DropColumns = []string{"id", "src", "dst"}
	f, _, err := Load([]string{p}, LoadOptions{Profile: prof, Dedupe: true, SortByTimestamp: true, TextColumns: []string{"src", "dst"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.TextOf("src"), []string{"10.0.0.1", "-", "10.0.0.3"}; !reflect.DeepEqual(got, want) {
		t.Errorf("src after drop, dedupe and sort: %q, want %q", got, want)
	}
	sub := f.Subset([]int{2, 0})
	if got, want := sub.TextOf("dst"), []string{"10.0.0.9", "10.0.0.9"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dst of Subset: %q, want %q", got, want)
	}
	if got := f.Range(1, 2).TextOf("src"); !reflect.DeepEqual(got, []string{"-"}) {
		t.Errorf("src of Range: %q", got)
	}
	_, _, err = Load([]string{p}, LoadOptions{Profile: prof, TextColumns: []string{"nope"}})
	if err == nil {
		t.Error("a missing text column loaded")
	}
}

func TestIPColumns(t *testing.T) {
	for _, name := range []string{"cic_ton_iot", "cic_ids_2017", "cicids2017_improved", "ton_iot_network", "netflow"} {
		p, _ := BuiltinProfile(name)
		if _, _, err := p.IPColumns(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	var e *NoIPColumnsError
	_, _, err := (&Profile{Name: "x", SrcIPColumn: "s"}).IPColumns()
	if !errors.As(err, &e) || !reflect.DeepEqual(e.Missing, []string{"dst_ip_column"}) {
		t.Errorf("profile without dst column: %v", err)
	}
}
