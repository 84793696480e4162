// Command rewrite is leakgate's TestMain rewriter: it lets `leakgate run`
// gate a package that has its own TestMain without anyone editing it.
//
// leakgate injects its hook (hook/core.go) into a test package by overlay.
// A package without TestMain gets the hook's TestMain; a package with one
// needs that TestMain to run the tests through the hook instead. This
// program reads, with go/parser, the files of every such package named on
// its standard input and writes overlay copies of the files it changes, in
// which
//
//   - each call m.Run() on TestMain's *testing.M parameter (also inside a
//     helper function of the same package that TestMain passes m to)
//     becomes leakgateRun(m): snapshot, m.Run, snapshot, same result;
//   - goleak.VerifyTestMain(m, opts...) becomes leakgateMain(m) (run the
//     tests through the hook and exit with their code) and goleak's
//     options become ignore rules; when an option cannot be translated the
//     goleak call stays and only its m is wrapped, so goleak behaves as
//     before and the option is reported, never dropped.
//
// Everything else is byte for byte the user's source: edits are spliced at
// the positions the parser gives, never found by pattern matching, and a
// /*line file:L:C*/ comment after each edit puts the rest of the line back
// at its original column, so compiler errors, panics and stack traces point
// at the user's file, line and column. The user's tree is never written.
//
// Input (the file named by the only argument, else stdin) and output
// (stdout) are one JSON document each; see the request and result types. A package this program cannot handle is a
// result with mode "none" and the reason, never a failure of the whole
// run. The program uses the standard library only: leakgate embeds this
// file and builds it once per Go toolchain into its cache.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

const (
	goleakPath = "go.uber.org/goleak"
	hookPath   = "leakgate.dev/leakgatehook"
	maxDepth   = 8 // helper functions followed from TestMain
)

// request is what leakgate sends: the packages whose test files declare a
// TestMain, with the Go files of the internal test package (GoFiles plus
// TestGoFiles) and of the external one (XTestGoFiles), as go list names
// them, and a directory for each package's rewritten files.
type request struct {
	Root     string       `json:"root"` // module root: positions in reasons are relative to it
	Packages []reqPackage `json:"packages"`
}

type reqPackage struct {
	Key    string   `json:"key"`
	Dir    string   `json:"dir"`
	Files  []string `json:"files"`
	XFiles []string `json:"xfiles"`
	Out    string   `json:"out"`
}

// result says how the hook gets into one package.
//
// Mode is "rewritten" (Replace maps original paths to the rewritten
// copies; inject the hook, without a TestMain, as package HookPackage),
// "user" (TestMain already calls leakgatehook), "testing" (TestMain hands
// m on where this program cannot follow it, Reason says where: leave the
// file alone and let the hook come in through testing's own hook point,
// which sees m.Run wherever it is called), "none" (leak checks cannot run;
// Reason says why) or "absent" (no TestMain after all: inject the hook with
// its own TestMain as usual).
type result struct {
	Key         string            `json:"key"`
	Mode        string            `json:"mode"`
	Reason      string            `json:"reason,omitempty"`
	HookPackage string            `json:"hook_package,omitempty"`
	Replace     map[string]string `json:"replace,omitempty"`
	Ignores     []ignoreRule      `json:"ignores,omitempty"`
	Notes       []string          `json:"notes,omitempty"`
}

// ignoreRule is a leakgate ignore rule translated from a goleak option.
type ignoreRule struct {
	TopFunction string `json:"top_function,omitempty"`
	Function    string `json:"function,omitempty"`
	Creator     string `json:"creator,omitempty"`
	Reason      string `json:"reason"` // the goleak option and its file:line
}

type response struct {
	Packages []result `json:"packages"`
}

func main() {
	var req request
	in := os.Stdin
	if len(os.Args) == 2 {
		f, err := os.Open(os.Args[1])
		if err != nil {
			fmt.Fprintf(os.Stderr, "rewrite: %v\n", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	if err := json.NewDecoder(in).Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "rewrite: cannot read the request: %v\n", err)
		os.Exit(2)
	}
	resp := response{Packages: make([]result, 0, len(req.Packages))}
	for _, p := range req.Packages {
		resp.Packages = append(resp.Packages, rewritePackage(req.Root, p))
	}
	out, err := json.Marshal(resp)
	if err == nil {
		_, err = os.Stdout.Write(append(out, '\n'))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rewrite: cannot write the result: %v\n", err)
		os.Exit(1)
	}
}

// srcFile is one parsed file of the test package and the edits planned in it.
type srcFile struct {
	path  string // absolute, as the compiler sees it
	src   []byte
	ast   *ast.File
	tf    *token.File
	edits []edit
}

// edit replaces src[start:end] with text. lineFix asks for a /*line*/
// comment after the text so what follows keeps its original column.
type edit struct {
	start, end int
	text       string
	lineFix    bool
}

// rewriter holds one package's state while its TestMain is analysed.
type rewriter struct {
	fset      *token.FileSet
	files     []*srcFile
	funcs     map[string]funcRef // top-level functions of the test package
	visited   map[*ast.FuncDecl]bool
	res       *result
	root      string   // module root, for positions in messages
	runs      int      // m.Run calls rewritten
	elsewhere []string // "m.Run is called in F (file:line)"
	escapes   []string // other uses of m that cannot be followed
}

type funcRef struct {
	decl *ast.FuncDecl
	file *srcFile
}

// rewritePackage decides and, where it can, rewrites one package. It never
// fails: every problem becomes a result with mode "none".
func rewritePackage(root string, p reqPackage) (res result) {
	res = result{Key: p.Key}
	defer func() {
		if r := recover(); r != nil {
			res = result{Key: p.Key, Mode: "none",
				Reason: fmt.Sprintf("the TestMain rewriter failed: %v", r)}
		}
	}()
	for _, set := range [][]string{p.Files, p.XFiles} {
		rw, main, err := parseSet(p.Dir, set)
		if rw != nil {
			rw.root = root
		}
		if err != nil {
			return result{Key: p.Key, Mode: "none", Reason: err.Error()}
		}
		if main.decl == nil {
			continue
		}
		rw.res = &res
		rw.rewrite(main, p.Out)
		return res
	}
	res.Mode = "absent"
	return res
}

// parseSet parses the files of one test package and finds its TestMain
// (only a _test.go file may declare it).
func parseSet(dir string, names []string) (*rewriter, funcRef, error) {
	rw := &rewriter{fset: token.NewFileSet(), funcs: map[string]funcRef{},
		visited: map[*ast.FuncDecl]bool{}}
	var main funcRef
	for _, name := range names {
		path := filepath.Join(dir, name)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, main, fmt.Errorf("cannot read %s: %v", path, err)
		}
		f, err := parser.ParseFile(rw.fset, path, src, parser.ParseComments)
		if err != nil {
			return nil, main, fmt.Errorf("cannot parse %v", err)
		}
		sf := &srcFile{path: path, src: src, ast: f, tf: rw.fset.File(f.Pos())}
		rw.files = append(rw.files, sf)
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Body == nil {
				continue
			}
			rw.funcs[fd.Name.Name] = funcRef{fd, sf}
			if fd.Name.Name == "TestMain" && strings.HasSuffix(name, "_test.go") {
				main = funcRef{fd, sf}
			}
		}
	}
	return rw, main, nil
}

func (rw *rewriter) rewrite(main funcRef, out string) {
	res := rw.res
	if importName(main.file.ast, hookPath) != "" {
		res.Mode = "user"
		return
	}
	param := mParam(main.decl, main.file.ast)
	if param == nil {
		res.Mode = "none"
		res.Reason = fmt.Sprintf("TestMain (%s) does not name its *testing.M parameter",
			rw.where(main.decl.Pos()))
		return
	}
	rw.walk(main, param, 0)
	edited := 0
	for _, f := range rw.files {
		if len(f.edits) > 0 {
			edited++
		}
	}
	if edited == 0 {
		res.Mode = "testing"
		switch {
		case len(rw.elsewhere) > 0:
			res.Reason = "m.Run is called in " + strings.Join(rw.elsewhere, ", ")
		case len(rw.escapes) > 0:
			res.Reason = "TestMain passes m where leakgate cannot follow it: " +
				strings.Join(rw.escapes, ", ")
		default:
			res.Mode = "none"
			res.Reason = fmt.Sprintf("TestMain (%s) never calls m.Run",
				rw.where(main.decl.Pos()))
		}
		return
	}
	for _, e := range rw.elsewhere {
		res.Notes = append(res.Notes, "not gated: m.Run is also called in "+e)
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		res.Mode, res.Reason = "none", err.Error()
		return
	}
	res.Replace = map[string]string{}
	for _, f := range rw.files {
		if len(f.edits) == 0 {
			continue
		}
		dst := filepath.Join(out, filepath.Base(f.path))
		if err := writeIfChanged(dst, f.apply()); err != nil {
			res.Mode, res.Reason, res.Replace = "none", err.Error(), nil
			return
		}
		res.Replace[f.path] = dst
	}
	res.Mode = "rewritten"
	res.HookPackage = main.file.ast.Name.Name
}

// mParam returns the object of TestMain's *testing.M parameter, or nil.
func mParam(fd *ast.FuncDecl, f *ast.File) *ast.Object {
	params := fd.Type.Params.List
	if len(params) != 1 || len(params[0].Names) != 1 {
		return nil
	}
	id := params[0].Names[0]
	if id.Name == "_" {
		return nil
	}
	return id.Obj
}

// walk plans the edits for every use of param (a *testing.M) in fn's body
// and follows m into helper functions of the same package.
func (rw *rewriter) walk(fn funcRef, param *ast.Object, depth int) {
	if rw.visited[fn.decl] || depth > maxDepth {
		return
	}
	rw.visited[fn.decl] = true
	f := fn.file
	isM := func(e ast.Expr) bool {
		id, ok := e.(*ast.Ident)
		return ok && id.Obj == param
	}
	handled := map[*ast.Ident]bool{}
	ast.Inspect(fn.decl.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && isM(sel.X) &&
				sel.Sel.Name == "Run" && len(n.Args) == 0 {
				handled[sel.X.(*ast.Ident)] = true
				f.edits = append(f.edits, rw.span(n.Pos(), n.End(),
					"leakgateRun("+param.Name+")", true))
				rw.runs++
				return true
			}
			if path, name := rw.pkgFunc(f, n.Fun); path == goleakPath &&
				name == "VerifyTestMain" && len(n.Args) > 0 && isM(n.Args[0]) {
				handled[n.Args[0].(*ast.Ident)] = true
				rw.goleak(f, n, param.Name)
				return true
			}
			for i, a := range n.Args {
				if isM(a) {
					handled[a.(*ast.Ident)] = true
					rw.follow(f, n, i, depth)
				}
			}
		case *ast.Ident:
			if n.Obj == param && !handled[n] {
				rw.escapes = append(rw.escapes, rw.where(n.Pos()))
			}
		}
		return true
	})
}

// follow handles m passed as argument i of call: into a function of the
// same package it is followed; into another package's it is reported.
func (rw *rewriter) follow(f *srcFile, call *ast.CallExpr, i int, depth int) {
	switch fun := call.Fun.(type) {
	case *ast.Ident:
		ref, ok := rw.funcs[fun.Name]
		if !ok || (fun.Obj != nil && fun.Obj.Kind != ast.Fun) {
			break
		}
		if p := nthParam(ref.decl, i); p != nil {
			rw.walk(ref, p, depth+1)
			return
		}
	case *ast.SelectorExpr:
		if path, name := rw.pkgFunc(f, fun); path != "" {
			rw.elsewhere = append(rw.elsewhere, fmt.Sprintf("%s.%s (called at %s)", path,
				name, rw.where(call.Pos())))
			return
		}
	}
	rw.escapes = append(rw.escapes, rw.where(call.Pos()))
}

// nthParam is the object of parameter i of fd (nil when variadic or unnamed).
func nthParam(fd *ast.FuncDecl, i int) *ast.Object {
	k := 0
	for _, field := range fd.Type.Params.List {
		if _, ok := field.Type.(*ast.Ellipsis); ok {
			return nil
		}
		names := field.Names
		if len(names) == 0 {
			return nil
		}
		for _, id := range names {
			if k == i {
				if id.Name == "_" {
					return nil
				}
				return id.Obj
			}
			k++
		}
	}
	return nil
}

// goleak plans the rewrite of goleak.VerifyTestMain(m, opts...).
func (rw *rewriter) goleak(f *srcFile, call *ast.CallExpr, m string) {
	var untranslated []string
	if call.Ellipsis.IsValid() {
		untranslated = append(untranslated, rw.text(f, call.Args[len(call.Args)-1]))
	}
	for i, a := range call.Args[1:] {
		if call.Ellipsis.IsValid() && i == len(call.Args)-2 {
			break
		}
		if !rw.goleakOption(f, a) {
			untranslated = append(untranslated, rw.text(f, a))
		}
	}
	if len(untranslated) == 0 {
		f.edits = append(f.edits, rw.span(call.Pos(), call.End(), "leakgateMain("+m+")", true))
		rw.runs++
		return
	}
	// Keep goleak, with its options, around the hook: it runs m through the
	// hook, then checks and exits as it always did.
	arg := call.Args[0]
	f.edits = append(f.edits, rw.span(arg.Pos(), arg.End(), "leakgateTestingM{"+m+"}", true))
	rw.runs++
	rw.res.Notes = append(rw.res.Notes, fmt.Sprintf(
		"%s: goleak.VerifyTestMain kept: cannot translate %s; goleak still checks "+
			"this package after leakgate's snapshot", rw.where(call.Pos()),
		strings.Join(untranslated, ", ")))
}

// goleakOption translates one goleak option into an ignore rule; false
// when it cannot be translated.
func (rw *rewriter) goleakOption(f *srcFile, e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	path, name := rw.pkgFunc(f, call.Fun)
	if path != goleakPath {
		return false
	}
	if name == "IgnoreCurrent" && len(call.Args) == 0 {
		// leakgate never counts goroutines alive before m.Run.
		return true
	}
	if len(call.Args) != 1 || call.Ellipsis.IsValid() {
		return false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return false
	}
	v, err := strconv.Unquote(lit.Value)
	if err != nil || v == "" {
		return false
	}
	r := ignoreRule{Reason: fmt.Sprintf("goleak.%s at %s", name, rw.where(call.Pos()))}
	switch name {
	case "IgnoreTopFunction":
		r.TopFunction = v
	case "IgnoreAnyFunction":
		r.Function = v
	case "IgnoreCreatedBy":
		r.Creator = v
	default:
		return false
	}
	rw.res.Ignores = append(rw.res.Ignores, r)
	return true
}

// pkgFunc resolves pkg.F where pkg is an import of f: the import path and
// F, or "" when fun is not such a selector.
func (rw *rewriter) pkgFunc(f *srcFile, fun ast.Expr) (string, string) {
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return "", ""
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok || id.Obj != nil {
		return "", ""
	}
	for _, imp := range f.ast.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if localName(imp, path) == id.Name {
			return path, sel.Sel.Name
		}
	}
	return "", ""
}

// importName is the name under which f imports path, or "".
func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			return localName(imp, p)
		}
	}
	return ""
}

// localName is the name an import spec binds. goleak and leakgatehook are
// the only paths whose package names matter here, and both are their last
// path element.
func localName(imp *ast.ImportSpec, path string) string {
	if imp.Name != nil {
		return imp.Name.Name
	}
	return path[strings.LastIndex(path, "/")+1:]
}

func (rw *rewriter) span(from, to token.Pos, text string, lineFix bool) edit {
	return edit{start: rw.fset.Position(from).Offset, end: rw.fset.Position(to).Offset,
		text: text, lineFix: lineFix}
}

func (rw *rewriter) pos(p token.Pos) token.Position { return rw.fset.Position(p) }

// where is p as file:line, the file relative to the module root when it
// lies inside it, for messages users read.
func (rw *rewriter) where(p token.Pos) string {
	pos := rw.fset.Position(p)
	file := pos.Filename
	if rw.root != "" {
		if rel, err := filepath.Rel(rw.root, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	return fmt.Sprintf("%s:%d", file, pos.Line)
}

// text is e's source on one line, a call shortened to its function
// (goleak.Cleanup(...)), for messages.
func (rw *rewriter) text(f *srcFile, e ast.Expr) string {
	if call, ok := e.(*ast.CallExpr); ok && len(call.Args) > 0 {
		return rw.text(f, call.Fun) + "(...)"
	}
	s := string(f.src[rw.pos(e.Pos()).Offset:rw.pos(e.End()).Offset])
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// apply returns the file with its edits; an import of goleak that no
// longer has a use becomes a blank import so the file still compiles.
func (f *srcFile) apply() []byte {
	edits := append([]edit{}, f.edits...)
	edits = append(edits, f.unusedImports(edits)...)
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b bytes.Buffer
	// The copy lives in leakgate's cache; compiler messages must still
	// name the user's file. A line comment keeps build constraints valid.
	fmt.Fprintf(&b, "//line %s:1:1\n", f.path)
	at := 0
	for _, e := range edits {
		if e.start < at {
			continue // nested in an edit already made (cannot happen for m.Run)
		}
		b.Write(f.src[at:e.start])
		b.WriteString(e.text)
		if e.lineFix {
			b.WriteString(lineDirective(f.path, f.src, e.end))
		}
		at = e.end
	}
	b.Write(f.src[at:])
	return b.Bytes()
}

// lineDirective positions the byte after offset at its original line and
// column. Lines before are unchanged (edits never add a newline).
func lineDirective(path string, src []byte, offset int) string {
	line := 1 + bytes.Count(src[:offset], []byte("\n"))
	col := offset - (bytes.LastIndexByte(src[:offset], '\n') + 1) + 1
	return fmt.Sprintf("/*line %s:%d:%d*/", path, line, col)
}

// unusedImports returns edits that blank the goleak import when every
// reference to it lies inside the planned edits.
func (f *srcFile) unusedImports(edits []edit) []edit {
	var out []edit
	for _, imp := range f.ast.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		if path != goleakPath {
			continue
		}
		name := localName(imp, path)
		if name == "_" || name == "." {
			continue
		}
		used := false
		ast.Inspect(f.ast, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || used {
				return !used
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == name && id.Obj == nil {
				off := offsetIn(f, id.Pos())
				inside := false
				for _, e := range edits {
					if off >= e.start && off < e.end {
						inside = true
					}
				}
				used = !inside
			}
			return true
		})
		if used {
			continue
		}
		if imp.Name == nil {
			at := offsetIn(f, imp.Path.Pos())
			out = append(out, edit{start: at, end: at, text: "_ "})
		} else {
			out = append(out, edit{start: offsetIn(f, imp.Name.Pos()),
				end: offsetIn(f, imp.Name.End()), text: "_"})
		}
	}
	return out
}

// offsetIn is the byte offset of p in f (p must lie in f).
func offsetIn(f *srcFile, p token.Pos) int {
	return f.tf.Offset(p)
}

// writeIfChanged writes data to path unless it already holds exactly it,
// through a temporary file and rename: unchanged files keep their
// modification time, so go's build cache keeps hitting.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp := fmt.Sprintf("%s.tmp.%d", path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
