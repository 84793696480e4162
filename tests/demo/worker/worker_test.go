package worker

import (
	"sort"
	"testing"
)

func TestResize(t *testing.T) {
	p := NewPool(3)
	got := p.Resize([]Job{{"a.png", 800, 600}, {"b.png", 1024, 768}})
	sort.Strings(got)
	want := []string{"a.png@400x300", "b.png@512x384"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("Resize = %v, want %v", got, want)
	}
}
