package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pkgCase is one package given to the rewriter: file name -> source.
type pkgCase struct {
	name   string
	files  map[string]string // internal test package (incl. non-test files)
	xfiles map[string]string // external test package
	mode   string
	reason string   // substring of Reason
	edited []string // files rewritten
	want   []string // substrings of the rewritten files, in order of edited
	absent []string // must not be in any rewritten file
	rules  []ignoreRule
	notes  []string // substrings of Notes
}

var cases = []pkgCase{
	{
		name: "os.Exit(m.Run())",
		files: map[string]string{"a_test.go": `package a

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(m.Run()) }
`},
		mode: "rewritten", edited: []string{"a_test.go"},
		want: []string{"os.Exit(leakgateRun(m)/*line "},
	},
	{
		name: "teardown and a different parameter name",
		files: map[string]string{"a.go": "package a\n", "a_test.go": `package a

import (
	"os"
	"testing"
)

func TestMain(tm *testing.M) {
	code := tm.Run()
	teardown()
	os.Exit(code)
}

func teardown() {}
`},
		mode: "rewritten", edited: []string{"a_test.go"},
		want: []string{"code := leakgateRun(tm)/*line "},
	},
	{
		name: "code after the call on the same line keeps its column",
		files: map[string]string{"a_test.go": `package a

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if code := m.Run(); code != 0 { os.Exit(code) }
}
`},
		mode: "rewritten", edited: []string{"a_test.go"},
		want: []string{"if code := leakgateRun(m)/*line "},
	},
	{
		name: "helper in another file of the package",
		files: map[string]string{"main_test.go": `package a

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(run(m, 1)) }
`, "helper_test.go": `package a

import "testing"

func run(x *testing.M, n int) int {
	defer func() {}()
	return x.Run()
}
`},
		mode: "rewritten", edited: []string{"helper_test.go"},
		want: []string{"return leakgateRun(x)/*line "},
	},
	{
		name: "closure inside TestMain",
		files: map[string]string{"a_test.go": `package a

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	run := func() int { return m.Run() }
	os.Exit(run())
}
`},
		mode: "rewritten", edited: []string{"a_test.go"},
		want: []string{"return leakgateRun(m)"},
	},
	{
		name: "helper in another package",
		files: map[string]string{"a_test.go": `package a

import (
	"testing"

	"example.com/m/testutil"
)

func TestMain(m *testing.M) { testutil.Main(m) }
`},
		mode: "testing", reason: "m.Run is called in example.com/m/testutil.Main (called at a/a_test.go:9)",
	},
	{
		name: "m kept where it cannot be followed",
		files: map[string]string{"a_test.go": `package a

import (
	"os"
	"testing"
)

var keep *testing.M

func TestMain(m *testing.M) {
	keep = m
	os.Exit(run())
}

func run() int { return keep.Run() }
`},
		mode: "testing", reason: "TestMain passes m where leakgate cannot follow it: a/a_test.go:11",
	},
	{
		name: "never calls m.Run",
		files: map[string]string{"a_test.go": `package a

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(0) }
`},
		mode: "none", reason: "TestMain (a/a_test.go:8) never calls m.Run",
	},
	{
		name:  "TestMain in the external test package",
		files: map[string]string{"a.go": "package a\n"},
		xfiles: map[string]string{"a_x_test.go": `package a_test

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(m.Run()) }
`},
		mode: "rewritten", edited: []string{"a_x_test.go"},
		want: []string{"package a_test", "leakgateRun(m)"},
	},
	{
		name:  "no TestMain at all",
		files: map[string]string{"a_test.go": "package a\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n"},
		mode:  "absent",
	},
	{
		name: "calls leakgatehook itself",
		files: map[string]string{"a_test.go": `package a

import (
	"testing"

	"leakgate.dev/leakgatehook"
)

func TestMain(m *testing.M) { leakgatehook.Main(m) }
`},
		mode: "user",
	},
	{
		name: "goleak without options",
		files: map[string]string{"a_test.go": `package a

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
`},
		mode: "rewritten", edited: []string{"a_test.go"},
		want:   []string{`_ "go.uber.org/goleak"`, "\tleakgateMain(m)/*line "},
		absent: []string{"goleak.VerifyTestMain"},
	},
	{
		name: "goleak with options, renamed import",
		files: map[string]string{"a_test.go": `package a

import (
	"testing"

	gl "go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	gl.VerifyTestMain(m, gl.IgnoreTopFunction("x.(*W).loop"),
		gl.IgnoreAnyFunction("x.helper"), gl.IgnoreCurrent())
}
`},
		mode: "rewritten", edited: []string{"a_test.go"},
		want: []string{`_ "go.uber.org/goleak"`, "leakgateMain(m)"},
		rules: []ignoreRule{
			{TopFunction: "x.(*W).loop", Reason: "goleak.IgnoreTopFunction at a/a_test.go:10"},
			{Function: "x.helper", Reason: "goleak.IgnoreAnyFunction at a/a_test.go:11"},
		},
	},
	{
		name: "goleak kept when an option cannot be translated",
		files: map[string]string{"a_test.go": `package a

import (
	"testing"

	"go.uber.org/goleak"
)

var opts = []goleak.Option{goleak.IgnoreCurrent()}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {}))
}
`},
		mode: "rewritten", edited: []string{"a_test.go"},
		want:  []string{"goleak.VerifyTestMain(leakgateTestingM{m}/*line "},
		notes: []string{"a/a_test.go:12: goleak.VerifyTestMain kept: cannot translate goleak.Cleanup(...)"},
	},
	{
		name: "goleak with a spread option slice",
		files: map[string]string{"a_test.go": `package a

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	opts := []goleak.Option{goleak.IgnoreCurrent()}
	goleak.VerifyTestMain(m, opts...)
}
`},
		mode: "rewritten", edited: []string{"a_test.go"},
		want:  []string{"goleak.VerifyTestMain(leakgateTestingM{m}"},
		notes: []string{"cannot translate opts"},
	},
	{
		name:  "unparsable file",
		files: map[string]string{"a_test.go": "package a\n\nfunc TestMain(m *testing.M) {\n"},
		mode:  "none", reason: "cannot parse",
	},
}

func writeFiles(t *testing.T, dir string, files map[string]string) []string {
	var names []string
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

func TestRewritePackage(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "a")
			out := filepath.Join(root, "out")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			req := reqPackage{Key: "k", Dir: dir, Out: out,
				Files: writeFiles(t, dir, c.files), XFiles: writeFiles(t, dir, c.xfiles)}
			res := rewritePackage(root, req)
			if res.Mode != c.mode {
				t.Fatalf("mode %q (%s), want %q", res.Mode, res.Reason, c.mode)
			}
			if !strings.Contains(res.Reason, c.reason) {
				t.Errorf("reason %q, want it to contain %q", res.Reason, c.reason)
			}
			if len(res.Replace) != len(c.edited) {
				t.Errorf("replaced %v, want %v", res.Replace, c.edited)
			}
			var all string
			for i, name := range c.edited {
				orig := filepath.Join(dir, name)
				copyPath, ok := res.Replace[orig]
				if !ok {
					t.Fatalf("%s not replaced: %v", name, res.Replace)
				}
				got, err := os.ReadFile(copyPath)
				if err != nil {
					t.Fatal(err)
				}
				all += string(got)
				if i == 0 {
					for _, w := range c.want {
						if !strings.Contains(string(got), w) {
							t.Errorf("rewritten %s lacks %q:\n%s", name, w, got)
						}
					}
				}
				checkPositions(t, orig, copyPath)
			}
			for _, a := range c.absent {
				if strings.Contains(all, a) {
					t.Errorf("rewritten files still contain %q", a)
				}
			}
			if len(res.Ignores) != len(c.rules) {
				t.Fatalf("ignores %+v, want %+v", res.Ignores, c.rules)
			}
			for i := range c.rules {
				if res.Ignores[i] != c.rules[i] {
					t.Errorf("ignore %d: %+v, want %+v", i, res.Ignores[i], c.rules[i])
				}
			}
			joined := strings.Join(res.Notes, "\n")
			for _, n := range c.notes {
				if !strings.Contains(joined, n) {
					t.Errorf("notes %q lack %q", joined, n)
				}
			}
		})
	}
}

// checkPositions parses the rewritten copy and checks that every
// identifier the user wrote keeps its file, line and column: what
// compiler errors and stack traces will print.
func checkPositions(t *testing.T, orig, copyPath string) {
	t.Helper()
	fset := token.NewFileSet()
	of, err := parser.ParseFile(fset, orig, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := parser.ParseFile(fset, copyPath, nil, parser.ParseComments)
	if err != nil {
		t.Fatalf("rewritten file does not parse: %v", err)
	}
	want := map[string][]token.Position{}
	for _, id := range identsOf(of) {
		want[id.Name] = append(want[id.Name], fset.Position(id.Pos()))
	}
	src, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, id := range identsOf(cf) {
		if strings.HasPrefix(id.Name, "leakgate") || id.Name == "_" {
			continue
		}
		// The argument of an inserted call is leakgate's text too.
		before := string(src[:fset.PositionFor(id.Pos(), false).Offset])
		if strings.HasSuffix(before, "leakgateRun(") || strings.HasSuffix(before, "leakgateMain(") ||
			strings.HasSuffix(before, "leakgateTestingM{") {
			continue
		}
		// The m.Run selector and goleak calls are replaced; their
		// identifiers are gone from the copy, the rest follow in order.
		for seen[id.Name] < len(want[id.Name]) {
			w := want[id.Name][seen[id.Name]]
			seen[id.Name]++
			got := fset.PositionFor(id.Pos(), true)
			if got.Filename == w.Filename && got.Line == w.Line && got.Column == w.Column {
				break
			}
			if seen[id.Name] == len(want[id.Name]) {
				t.Errorf("%s at %v in the copy has no match in the original", id.Name, got)
			}
		}
	}
}

func identsOf(f *ast.File) []*ast.Ident {
	var out []*ast.Ident
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			out = append(out, id)
		}
		return true
	})
	return out
}
