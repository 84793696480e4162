package textutil

import "testing"

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Hello, World!":       "hello-world",
		"  Go 1.27 release  ": "go-1-27-release",
		"leakgate":            "leakgate",
		"Ready, Set... Go!":   "ready-set-go",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCountWords(t *testing.T) {
	if n := CountWords([]string{"one two", "three", "", "four five six"}); n != 6 {
		t.Fatalf("CountWords = %d, want 6", n)
	}
}
