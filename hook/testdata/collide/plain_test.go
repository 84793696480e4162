package collide_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"leakgate.test/collide"
)

// The standard packages the hook uses, imported under their plain names.
func TestPlainImports(t *testing.T) {
	_ = fmt.Sprint(os.Getpid(), runtime.NumGoroutine(), strings.ToUpper("x"), time.Now())
	if collide.Run()+Run() != 1 || json+pprof != 3 || len(errors) != 1 || buf != nil {
		t.Fatal("names resolved to the wrong declarations")
	}
	_, _, _, _, _, _, _, _, _ = snapshot{}, state{}, field{}, manifest{}, protocol, run, settle, dump, errorf
	_, _, _, _ = filepath, strconv, bytes, io
	Main()
}
