// Package leaky is run by the hook's own tests: a TestMain that calls
// leakgatehook.Main, and tests that leak, linger, fail or pass, selected
// with -test.run.
package leaky

import (
	"testing"
	"time"

	"leakgate.dev/leakgatehook"
)

func TestMain(m *testing.M) {
	leakgatehook.Main(m)
}

func TestLeaks(t *testing.T) {
	go func() { select {} }() // never ends
}

func TestLingers(t *testing.T) {
	go func() { time.Sleep(30 * time.Millisecond) }() // ends during the settle wait
}

func TestFails(t *testing.T) {
	t.Error("failing on purpose")
}

func TestPasses(t *testing.T) {}
