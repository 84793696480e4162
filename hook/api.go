// Package leakgatehook is the in-process half of leakgate, the CI gate that
// catches goroutine leaks, deadlocks, hangs and heap growth in Go tests.
//
// Most packages need nothing from it: when a test package has no TestMain,
// `leakgate run` injects the hook by itself. A package that has its own
// TestMain calls Main or Run from it instead; this is the one-line
// replacement for goleak.VerifyTestMain(m):
//
//	import "leakgate.dev/leakgatehook"
//
//	func TestMain(m *testing.M) {
//		leakgatehook.Main(m)
//	}
//
// or, with set-up and tear-down of its own around the tests:
//
//	func TestMain(m *testing.M) {
//		db := startTestDB()
//		code := leakgatehook.Run(m)
//		db.Stop()
//		os.Exit(code)
//	}
//
// Outside `leakgate run` (LEAKGATE_HOOK_DIR unset) both are exactly m.Run,
// so plain `go test` is unaffected. Under leakgate they snapshot goroutines,
// MemStats and the heap before and after m.Run and leave them for leakgate
// to judge; they never fail a test or change the exit code themselves. See
// README.md for the protocol.
package leakgatehook

import (
	"os"
	"testing"
)

// Version is the version of the hook, as written to the manifest.
const Version = leakgateHookVersion

// Main runs the tests under the leakgate hook and exits with their code.
// Call it as the whole body of TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run runs the tests under the leakgate hook and returns m.Run's exit code,
// for a TestMain that has more to do before it exits. Code after Run that
// starts goroutines runs after the hook's final snapshot and is not checked.
func Run(m *testing.M) int {
	return leakgateRun(m)
}
