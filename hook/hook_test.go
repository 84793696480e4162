// Tests of the leakgate hook: the rules core.go must keep to be injectable,
// the goroutine dump scanner, and the protocol end to end on real test
// binaries built from testdata/ (by Main in a TestMain, and by injection
// into a package whose names collide with the hook's).
package leakgatehook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestCoreRules checks the constraints that let core.go be pasted into any
// test package: one replaceable package line, stdlib imports aliased with
// a leakgate prefix, leakgate-prefixed unexported top-level names, no init.
func TestCoreRules(t *testing.T) {
	src, err := os.ReadFile("core.go")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(src, []byte("\npackage leakgatehook\n")); n != 1 {
		t.Errorf("core.go has %d 'package leakgatehook' lines, want 1", n)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "core.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if strings.Contains(strings.Split(path, "/")[0], ".") {
			t.Errorf("import %q is not from the standard library", path)
		}
		if imp.Name == nil || !strings.HasPrefix(imp.Name.Name, "leakgate") {
			t.Errorf("import %q is not aliased with a leakgate prefix", path)
		}
	}
	check := func(name string, pos token.Pos) {
		if !strings.HasPrefix(name, "leakgate") || ast.IsExported(name) {
			t.Errorf("%s: top-level name %q must be unexported and start with leakgate",
				fset.Position(pos), name)
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				check(d.Name.Name, d.Pos())
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					check(s.Name.Name, s.Pos())
				case *ast.ValueSpec:
					for _, n := range s.Names {
						check(n.Name, n.Pos())
					}
				}
			}
		}
	}
}

func TestScanDump(t *testing.T) {
	dump := `goroutine 1 [running]:
main.main()
	/x/main.go:5 +0x1

goroutine 7 gp=0xc000007000 m=nil [chan receive, 3 minutes]:
pkg.consume(...)
	/x/pkg.go:19
created by pkg.Start in goroutine 6
	/x/pkg.go:13 +0x78
[originating from goroutine 6]:
pkg.Start(...)
	/x/pkg.go:14 +0x78
created by testing.(*T).Run
	/x/testing.go:2101 +0x4c5

goroutine 12 [GC worker (idle)]:
runtime.gopark(...)
	/x/proc.go:435 +0xce
created by runtime.gcBgMarkStartWorkers in goroutine 1
	/x/mgc.go:1373 +0x105

goroutine 20 [select (no cases)]:
pkg.forever()
	/x/pkg.go:30 +0x1
[originating from goroutine 6]:
pkg.Start(...)
	/x/pkg.go:14 +0x78
created by runtime.notMine
	/x/x.go:1 +0x1

goroutine 300 [sleep]:
time.Sleep(0x3b9aca00)
	/x/time.go:1 +0x1
created by pkg.Later
	/x/pkg.go:40 +0x1`
	type g struct {
		id      int64
		creator string
	}
	var got []g
	leakgateScanDump([]byte(dump), func(id int64, creator string) {
		got = append(got, g{id, creator})
	})
	want := []g{{1, ""}, {7, "pkg.Start"}, {12, "runtime.gcBgMarkStartWorkers"},
		{20, ""}, {300, "pkg.Later"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("scan = %v\nwant %v", got, want)
	}

	for _, line := range []string{"goroutine 1 [running]:", "goroutine 42 gp=0x1 m=2 mp=0x3 [select]:"} {
		if _, ok := leakgateHeaderID([]byte(line)); !ok {
			t.Errorf("header %q not recognised", line)
		}
	}
	for _, line := range []string{"goroutine profile: total 3", "goroutine 1", "goroutine x [running]:",
		"[originating from goroutine 6]:", "\tgoroutine running on other thread; stack unavailable"} {
		if _, ok := leakgateHeaderID([]byte(line)); ok {
			t.Errorf("%q taken for a header", line)
		}
	}
}

// goTool finds the go command the tests build with, or skips.
func goTool(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds test binaries")
	}
	goExe, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	return goExe
}

// module copies testdata/<name> into a fresh module that points
// leakgate.dev/leakgatehook at this directory, and returns its root.
func module(t *testing.T, name, modPath string) string {
	t.Helper()
	hookDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	files, err := filepath.Glob(filepath.Join("testdata", name, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in testdata/%s: %v", name, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mod := fmt.Sprintf("module %s\n\ngo 1.21\n\nrequire leakgate.dev/leakgatehook v0.0.0\n\n"+
		"replace leakgate.dev/leakgatehook => %s\n", modPath, hookDir)
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// buildTest builds the test binary of the package at dir, with extra
// `go test -c` flags, and returns its path.
func buildTest(t *testing.T, goExe, dir string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pkg.test")
	args := append([]string{"test", "-c", "-o", bin}, flags...)
	cmd := exec.Command(goExe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -c in %s: %v\n%s", dir, err, out)
	}
	return bin
}

// runTest runs a test binary in dir the way leakgate does and returns its
// exit code and output.
func runTest(t *testing.T, bin, dir string, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-test.timeout=0", "-test.v=test2json"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTRACEBACK=crash", "GODEBUG=tracebackancestors=5")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &exit):
		return exit.ExitCode(), string(out)
	}
	t.Fatalf("running %s: %v", bin, err)
	return -1, ""
}

func keys(m map[string]interface{}) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// readManifest loads hook.json from dir and checks the parts of its shape
// that do not depend on what the tests did.
func readManifest(t *testing.T, dir, phase string) map[string]interface{} {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "hook.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]interface{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("hook.json: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "hook.json.tmp")); err == nil {
		t.Error("hook.json.tmp left behind")
	}
	want := "before errors go_version gomaxprocs hook_version phase pid protocol"
	if phase == "after" {
		want = "after before errors exit_code go_version gomaxprocs hook_version " +
			"leak_profile phase pid protocol settle"
	}
	if got := keys(m); got != want {
		t.Errorf("manifest keys %q, want %q", got, want)
	}
	if m["protocol"] != 1.0 || m["hook_version"] != Version || m["phase"] != phase {
		t.Errorf("manifest header: %v %v %v", m["protocol"], m["hook_version"], m["phase"])
	}
	if _, ok := m["errors"].([]interface{}); !ok {
		t.Errorf("errors is %v, want an array", m["errors"])
	}
	for _, side := range []string{"before", "after"} {
		snap, ok := m[side].(map[string]interface{})
		if !ok {
			continue
		}
		mem, _ := snap["memstats"].(map[string]interface{})
		if got := keys(mem); got != "frees heap_alloc heap_inuse heap_objects mallocs "+
			"num_gc stack_inuse sys total_alloc" {
			t.Errorf("%s memstats keys %q", side, got)
		}
		if snap["stacks"] != side+".stacks" || snap["heap_profile"] != side+".heap.pb.gz" {
			t.Errorf("%s file names %v %v", side, snap["stacks"], snap["heap_profile"])
		}
		stacks, err := os.ReadFile(filepath.Join(dir, side+".stacks"))
		if snap["aggregated"] == true {
			// the goroutine profile at debug=1, and a sample dump
			if err != nil || !bytes.HasPrefix(stacks, []byte("goroutine profile: total ")) {
				t.Errorf("aggregated %s.stacks: %v %.40q", side, err, stacks)
			}
			sample, err := os.ReadFile(filepath.Join(dir, side+".sample.stacks"))
			if snap["sample_stacks"] != side+".sample.stacks" || err != nil ||
				!bytes.HasPrefix(sample, []byte("goroutine ")) {
				t.Errorf("%s sample_stacks %v: %v %.40q", side, snap["sample_stacks"], err, sample)
			}
			if _, ok := snap["sample_cut"].(bool); !ok {
				t.Errorf("%s sample_cut %v", side, snap["sample_cut"])
			}
		} else if err != nil || !bytes.HasPrefix(stacks, []byte("goroutine ")) {
			t.Errorf("%s.stacks: %v %.40q", side, err, stacks)
		}
		heap, err := os.ReadFile(filepath.Join(dir, side+".heap.pb.gz"))
		if err != nil || !bytes.HasPrefix(heap, []byte{0x1f, 0x8b}) {
			t.Errorf("%s.heap.pb.gz is not gzip: %v", side, err)
		}
		if n, _ := snap["num_goroutine"].(float64); n < 1 {
			t.Errorf("%s num_goroutine %v", side, snap["num_goroutine"])
		}
	}
	if phase == "after" {
		after := m["after"].(map[string]interface{})
		_, statErr := os.Stat(filepath.Join(dir, "after.leak.stacks"))
		written := statErr == nil
		if m["leak_profile"] != written || (after["leak_stacks"] != nil) != written {
			t.Errorf("leak_profile %v, leak_stacks %v, file written %v",
				m["leak_profile"], after["leak_stacks"], written)
		}
	}
	return m
}

func settleOf(t *testing.T, m map[string]interface{}) (waited, rounds, remaining float64) {
	s, ok := m["settle"].(map[string]interface{})
	if !ok || (keys(s) != "budget_ms remaining rounds waited_ms" &&
		keys(s) != "budget_ms counted remaining rounds waited_ms") {
		t.Fatalf("settle = %v", m["settle"])
	}
	return s["waited_ms"].(float64), s["rounds"].(float64), s["remaining"].(float64)
}

// TestMainProtocol runs a package whose TestMain calls Main, through the
// cases the protocol distinguishes.
func TestMainProtocol(t *testing.T) {
	goExe := goTool(t)
	root := module(t, "leaky", "leakgate.test/leaky")
	bin := buildTest(t, goExe, root)

	run := func(t *testing.T, test string, env ...string) (string, int, string) {
		dir := t.TempDir()
		env = append([]string{"LEAKGATE_HOOK_DIR=" + dir, "LEAKGATE_HOOK_PROTOCOL=1"}, env...)
		code, out := runTest(t, bin, root, env, "-test.run=^"+test+"$")
		return dir, code, out
	}

	t.Run("leak", func(t *testing.T) {
		dir, code, out := run(t, "TestLeaks", "LEAKGATE_SETTLE=60ms")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, out)
		}
		m := readManifest(t, dir, "after")
		waited, rounds, remaining := settleOf(t, m)
		if remaining != 1 || rounds < 2 || waited < 60 || waited > 5000 {
			t.Errorf("settle waited %v ms in %v rounds, %v remaining", waited, rounds, remaining)
		}
		if m["settle"].(map[string]interface{})["budget_ms"] != 60.0 {
			t.Errorf("budget_ms = %v", m["settle"])
		}
		after, _ := os.ReadFile(filepath.Join(dir, "after.stacks"))
		if !regexp.MustCompile(`(?m)^goroutine \d+ \[select \(no cases\)\]:`).Match(after) ||
			!bytes.Contains(after, []byte("leaky.TestLeaks")) {
			t.Errorf("after.stacks does not show the leak:\n%s", after)
		}
		if n := len(m["errors"].([]interface{})); n != 0 {
			t.Errorf("errors: %v", m["errors"])
		}
	})

	t.Run("aggregated above LEAKGATE_FULL_DUMP_MAX", func(t *testing.T) {
		dir, code, out := run(t, "TestLeaks", "LEAKGATE_SETTLE=60ms", "LEAKGATE_FULL_DUMP_MAX=0")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, out)
		}
		m := readManifest(t, dir, "after")
		for _, side := range []string{"before", "after"} {
			if snap := m[side].(map[string]interface{}); snap["aggregated"] != true {
				t.Errorf("%s not aggregated with a limit of 0 goroutines: %v", side, snap)
			}
		}
		_, _, remaining := settleOf(t, m)
		if m["settle"].(map[string]interface{})["counted"] != true || remaining < 1 {
			t.Errorf("settle did not count: %v", m["settle"])
		}
		after, _ := os.ReadFile(filepath.Join(dir, "after.stacks"))
		if !regexp.MustCompile(`(?m)^1 @( 0x[0-9a-f]+)+\n#\t0x[0-9a-f]+\tleakgate.test/leaky.TestLeaks.func`).Match(after) {
			t.Errorf("after.stacks (profile) does not show the leak with its count:\n%s", after)
		}
		if _, err := os.Stat(filepath.Join(dir, "busy.json")); err == nil {
			t.Error("busy.json left behind")
		}
		if n := len(m["errors"].([]interface{})); n != 0 {
			t.Errorf("errors: %v", m["errors"])
		}
	})

	t.Run("lingering goroutine settles", func(t *testing.T) {
		dir, code, out := run(t, "TestLingers")
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, out)
		}
		waited, rounds, remaining := settleOf(t, readManifest(t, dir, "after"))
		if remaining != 0 || rounds < 2 || waited >= 500 {
			t.Errorf("settle waited %v ms in %v rounds, %v remaining", waited, rounds, remaining)
		}
	})

	t.Run("failing tests still snapshot", func(t *testing.T) {
		dir, code, out := run(t, "TestFails", "LEAKGATE_SETTLE=bogus", "LEAKGATE_MEMPROFILERATE=1",
			"LEAKGATE_FULL_DUMP_MAX=many")
		if code != 1 {
			t.Fatalf("exit %d, want 1\n%s", code, out)
		}
		m := readManifest(t, dir, "after")
		if m["exit_code"] != 1.0 {
			t.Errorf("exit_code = %v", m["exit_code"])
		}
		errs := fmt.Sprint(m["errors"])
		if !strings.Contains(errs, "LEAKGATE_SETTLE") {
			t.Errorf("bad LEAKGATE_SETTLE not reported: %s", errs)
		}
		if !strings.Contains(errs, "LEAKGATE_FULL_DUMP_MAX") {
			t.Errorf("bad LEAKGATE_FULL_DUMP_MAX not reported: %s", errs)
		}
		if m["settle"].(map[string]interface{})["budget_ms"] != 500.0 {
			t.Errorf("budget_ms = %v, want the default", m["settle"])
		}
	})

	t.Run("no hook dir is plain go test", func(t *testing.T) {
		code, out := runTest(t, bin, root, []string{"LEAKGATE_HOOK_DIR="}, "-test.run=^TestPasses$")
		if code != 0 || !strings.Contains(out, "PASS") {
			t.Fatalf("exit %d\n%s", code, out)
		}
	})

	t.Run("unwritable hook dir", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing")
		code, out := runTest(t, bin, root, []string{"LEAKGATE_HOOK_DIR=" + missing},
			"-test.run=^TestFails$")
		if code != 1 || strings.Contains(out, "panic") {
			t.Fatalf("exit %d, want the tests' own 1\n%s", code, out)
		}
	})
}

// TestInjected injects core.go the way leakgate does (package clause
// replaced, TestMain appended, added by -overlay) into a package full of
// names like the hook's own, and checks that it builds and writes a
// manifest.
func TestInjected(t *testing.T) {
	goExe := goTool(t)
	root := module(t, "collide", "leakgate.test/collide")
	src, err := os.ReadFile("core.go")
	if err != nil {
		t.Fatal(err)
	}
	gen := bytes.Replace(src, []byte("\npackage leakgatehook\n"), []byte("\npackage collide_test\n"), 1)
	gen = append(gen, "func TestMain(m *leakgatetesting.M) { leakgateos.Exit(leakgateRun(m)) }\n"...)
	work := t.TempDir()
	genPath := filepath.Join(work, "hook.go")
	if err := os.WriteFile(genPath, gen, 0o644); err != nil {
		t.Fatal(err)
	}
	overlay, _ := json.Marshal(map[string]map[string]string{
		"Replace": {filepath.Join(root, "zz_leakgate_hook_test.go"): genPath},
	})
	overlayPath := filepath.Join(work, "overlay.json")
	if err := os.WriteFile(overlayPath, overlay, 0o644); err != nil {
		t.Fatal(err)
	}
	bin := buildTest(t, goExe, root, "-overlay="+overlayPath)

	dir := t.TempDir()
	code, out := runTest(t, bin, root, []string{"LEAKGATE_HOOK_DIR=" + dir})
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	m := readManifest(t, dir, "after")
	if _, _, remaining := settleOf(t, m); remaining != 0 {
		t.Errorf("clean package left %v goroutines", remaining)
	}
}

// TestStarts records test starts only while a run records them, in call
// order, each with the id of a goroutine started at the call.
func TestStarts(t *testing.T) {
	leakgateMatched("TestBefore") // not recording: dropped
	leakgateRecording.Store(true)
	leakgateMatched("TestA")
	leakgateMatched("TestA") // its subtests: not again
	done := make(chan struct{})
	for i := 0; i < 40; i++ {
		go func() { done <- struct{}{} }()
		<-done
	}
	leakgateMatched("TestB")
	leakgateRecording.Store(false)
	leakgateMatched("TestAfter")
	defer func() {
		leakgateStartsMu.Lock()
		leakgateStarts = nil
		leakgateStartsMu.Unlock()
	}()

	s := &leakgateState{dir: t.TempDir()}
	// leakgateMatched waits for its goroutine: every id is there already
	if name := s.writeStarts(); name != leakgateStartsName {
		t.Fatalf("writeStarts = %q, errors %v", name, s.errors)
	}
	text, err := os.ReadFile(filepath.Join(s.dir, leakgateStartsName))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	var names []string
	for _, line := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		id, name, ok := strings.Cut(line, " ")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			t.Fatalf("line %q: want GOID NAME", line)
		}
		ids = append(ids, n)
		names = append(names, name)
	}
	if fmt.Sprint(names) != "[TestA TestB]" {
		t.Fatalf("names %v, want [TestA TestB] (%q)", names, text)
	}
	// Ids come from per-P batches, so only roughly in order: each a real id.
	if ids[0] <= 0 || ids[1] <= 0 || ids[0] == ids[1] {
		t.Fatalf("ids %v: want two goroutine ids", ids)
	}
}
