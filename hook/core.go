// The leakgate hook, protocol version 1: the in-process half of leakgate.
//
// leakgate cannot see inside a running Go test binary, so this code runs in
// the binary's TestMain and leaves evidence on disk for the runner to judge:
// a goroutine dump, MemStats and a heap profile taken before m.Run and again
// after it (once the goroutines the tests started have had a bounded time to
// finish), plus Go's goroutineleak profile where the toolchain has one. The
// manifest hook.json lists what was written; hook/README.md describes it and
// schema/hook-protocol.schema.json is its formal shape. The hook never decides
// whether anything leaked and never changes the exit code of m.Run.
//
// This file is embedded in the leakgate binary and injected, by `go test
// -overlay`, into test packages: leakgate replaces the package clause line
// below with the test package's and, when the package has no TestMain of its
// own, appends one that calls leakgateMain. A package's own TestMain is
// rewritten (hook/rewrite) to call leakgateRun, leakgateMain or
// leakgateTestingM instead of m.Run and goleak.VerifyTestMain. The code
// therefore shares a package scope it does not know, which is why it imports
// only the standard library, aliases every import with a leakgate prefix,
// names every top-level identifier leakgate..., and has no init and no
// exported names (the one exported method, Run, is on an unexported type).
// Keep it so.

package leakgatehook

import (
	leakgatebytes "bytes"
	leakgatejson "encoding/json"
	leakgatefmt "fmt"
	leakgateio "io"
	leakgateos "os"
	leakgatesignal "os/signal"
	leakgatefilepath "path/filepath"
	leakgateruntime "runtime"
	leakgatepprof "runtime/pprof"
	leakgatestrconv "strconv"
	leakgatestrings "strings"
	leakgatesync "sync"
	leakgateatomic "sync/atomic"
	leakgatesyscall "syscall"
	leakgatetesting "testing"
	leakgatetime "time"
)

const (
	leakgateProtocol      = 1
	leakgateHookVersion   = "0.1.0"
	leakgateDefaultSettle = 500 * leakgatetime.Millisecond
	leakgateMaxBackoff    = 50 * leakgatetime.Millisecond
	leakgateManifestName  = "hook.json"

	// A goroutine dump is grown from leakgateStackFirst until it fits.
	// The ceiling only stops a runaway binary from exhausting memory;
	// a dump cut there is reported in the manifest's errors.
	// How often the probe listener looks for the runner's SIGUSR1.
	leakgateProbePoll = 100 * leakgatetime.Millisecond

	leakgateStackFirst = 1 << 20
	leakgateStackLimit = 1 << 30

	// Above this many goroutines (runtime.NumGoroutine, counted first) a
	// snapshot is aggregated: the goroutine profile at debug=1 (one entry
	// per distinct stack, with its count) instead of runtime.Stack(all),
	// plus a sample, one runtime.Stack into a buffer of leakgateSampleBytes
	// that is cut when full. Measured on 2 cores (Go 1.26): runtime.Stack
	// of 100k parked goroutines takes 0.57 s grown from 1 MiB, of 1M 13.8 s
	// (168 MB); the debug=1 profile of 1M takes 2.2 s and 0.6 KB, a cut
	// Stack 1.4-1.9 s. LEAKGATE_FULL_DUMP_MAX overrides it.
	leakgateDefaultFullDumpMax = 50000
	leakgateSampleBytes        = 8 << 20

	// While a snapshot or probe is being taken this file exists in the
	// hook directory, so the runner can tell a binary busy dumping from one
	// that ignores its SIGQUIT (hook/README.md, "Busy marker").
	leakgateBusyName = "busy.json"

	// The test starts (leakgateMatched) are written to this file, one
	// "GOID NAME" line each, at most leakgateMaxStarts of them.
	leakgateStartsName = "test-starts.txt"
	leakgateMaxStarts  = 100000
)

// leakgateState is one hook run: where evidence goes, what went wrong so
// far, and the dump buffer reused between settle rounds.
type leakgateState struct {
	dir     string
	errors  []string
	buf     []byte
	fullMax int // more goroutines than this: aggregated snapshots

	// One run around m.Run, from leakgateBegin to end.
	budget        leakgatetime.Duration // LEAKGATE_SETTLE
	passes        int                   // LEAKGATE_HEAP_PASSES
	probes        *leakgateProber       // nil unless LEAKGATE_PROBE=1
	known         map[int64]bool        // goroutines of the before dump
	before, after leakgateSnap
	settled       leakgateSettleResult
	startsFile    string // test-starts.txt once written, else ""
}

// leakgateSnap is one side of the comparison, as recorded in the manifest.
type leakgateSnap struct {
	timeUnixNano int64
	numGoroutine int
	mem          leakgateruntime.MemStats
	stacks       string
	heapProfile  string
	leakStacks   string // empty unless the goroutineleak profile was written
	aggregated   bool   // stacks is the goroutine profile at debug=1
	sampleStacks string // with aggregated: the cut runtime.Stack sample, "" if not written
	sampleCut    bool   // the sample did not hold every goroutine
}

// leakgateSettleResult says how long the hook waited for the goroutines
// started by the tests to finish, and how many did not.
type leakgateSettleResult struct {
	budget    leakgatetime.Duration
	waited    leakgatetime.Duration
	rounds    int
	remaining int
	counted   bool // some rounds only counted goroutines (too many to dump)
}

// leakgateField is one key of a JSON object; a slice of them keeps the
// manifest's keys in a readable order without exported struct fields.
type leakgateField struct {
	key   string
	value interface{}
}

// leakgateRun runs the tests between two snapshots and returns m.Run's code.
// Without LEAKGATE_HOOK_DIR it is exactly m.Run, so plain `go test` behaves
// as if the hook were not there. Failures of the hook itself are recorded in
// the manifest and never change the code.
func leakgateRun(m *leakgatetesting.M) int {
	s := leakgateBegin()
	if s == nil {
		return m.Run()
	}
	code := m.Run()
	s.end(code)
	if s.passes < 2 {
		return code
	}
	return s.morePasses(m, code, s.passes, s.budget, func(list []leakgatejson.RawMessage) {
		fields := s.manifest("after", &s.before, &s.after, code, &s.settled)
		// "errors" stays last; the passes go just before it
		n := len(fields) - 1
		fields = append(fields[:n:n], leakgateField{"passes", list}, fields[n])
		s.writeManifest(fields)
	})
}

// leakgateBegin starts a hook run just before the tests: reads the protocol
// variables, hands the user's environment back (which also unsets
// LEAKGATE_HOOK_DIR, so a second hook in the same process stands aside),
// starts the probe listener and writes the before snapshot and manifest.
// Returns nil, doing nothing, when LEAKGATE_HOOK_DIR is unset or empty.
func leakgateBegin() *leakgateState {
	dir := leakgateos.Getenv("LEAKGATE_HOOK_DIR")
	if dir == "" {
		return nil
	}
	s := &leakgateState{dir: dir, errors: []string{}}
	s.applyMemProfileRate()
	s.budget = s.settleBudget()
	s.fullMax = s.fullDumpMax()
	s.passes = s.heapPasses()
	if p := leakgateos.Getenv("LEAKGATE_HOOK_PROTOCOL"); p != "" &&
		p != leakgatestrconv.Itoa(leakgateProtocol) {
		s.errorf("LEAKGATE_HOOK_PROTOCOL is %q but this hook speaks %d",
			p, leakgateProtocol)
	}
	probing := leakgateos.Getenv("LEAKGATE_PROBE") == "1"
	s.restoreEnv()
	if probing {
		s.probes = leakgateStartProbes(dir, s.fullMax)
	}
	s.known = map[int64]bool{}
	s.guard("before snapshot", func() {
		leakgateruntime.GC()
		s.busy("before snapshot")
		s.before = s.snapshot("before", s.known)
		s.buf = nil // not kept alive across the tests
	})
	s.guard("writing the before manifest", func() {
		s.writeManifest(s.manifest("before", &s.before, nil, 0, nil))
	})
	s.idle()
	return s
}

// end finishes a hook run once the tests are done: stops the probes, waits
// for the tests' goroutines to settle, takes the after snapshot and writes
// the after manifest. code is what m.Run returned, or -1 when the caller
// cannot know it (the manifest then has no exit_code). Cannot fail; the
// hook's own problems go to the manifest's errors.
func (s *leakgateState) end(code int) {
	if s.probes != nil {
		s.probes.stop()
	}
	s.settled = leakgateSettleResult{budget: s.budget}
	s.guard("settling", func() {
		s.busy("settling")
		s.settled = s.settle(s.known, s.before.numGoroutine, s.budget)
	})
	// The dump buffer would otherwise count as heap the tests retained.
	s.buf = nil
	s.guard("after snapshot", func() {
		leakgateruntime.GC()
		leakgateruntime.GC()
		s.busy("after snapshot")
		s.after = s.snapshot("after", nil)
		s.after.leakStacks = s.writeLeakProfile("after.leak.stacks", s.after.aggregated)
	})
	s.guard("writing the test starts", func() { s.startsFile = s.writeStarts() })
	s.guard("writing the after manifest", func() {
		s.writeManifest(s.manifest("after", &s.before, &s.after, code, &s.settled))
	})
	s.idle()
}

// leakgateTestdeps is the hook run leakgateExit0 started, once it has.
var leakgateTestdeps *leakgateState

// leakgateTestdepsDone: the run of leakgateTestdeps has ended; later m.Run
// calls in the process are not hooked.
var leakgateTestdepsDone bool

// leakgateExit0 is the hook's entry when leakgate puts it into package
// testing/internal/testdeps instead of the test package (hook/README.md,
// "Two ways in"): the overlay copy of that package's TestDeps.SetPanicOnExit0
// calls it first. testing's M.Run calls SetPanicOnExit0(true) just before it
// runs the tests and SetPanicOnExit0(false) once they are done (the runner
// passes -test.paniconexit0, as go test does), which is where leakgateRun
// would have taken its snapshots, whatever the package's TestMain does
// around m.Run. Only the first m.Run of the process is hooked, and none when
// a hook in the test package already started (it unset LEAKGATE_HOOK_DIR).
// m.Run's code is not known here: the manifest has no exit_code and no
// heap passes (the runner builds those with the hook in the package).
func leakgateExit0(start bool) {
	if start {
		if leakgateTestdeps == nil && !leakgateTestdepsDone {
			leakgateTestdeps = leakgateBegin()
			leakgateTestdepsDone = leakgateTestdeps == nil
			leakgateRecording.Store(leakgateTestdeps != nil)
		}
		return
	}
	if s := leakgateTestdeps; s != nil && !leakgateTestdepsDone {
		leakgateTestdepsDone = true
		leakgateRecording.Store(false)
		s.end(-1)
	}
}

// leakgateStart is a test as testing matched it against -test.run, with
// the id of a goroutine started just before the test's own.
type leakgateStart struct {
	goid int64 // -1 until the probe goroutine has run
	name string
}

// The test starts of the testdeps route's run, recorded while
// leakgateRecording is set.
var (
	leakgateRecording leakgateatomic.Bool
	leakgateStartsMu  leakgatesync.Mutex
	leakgateStarts    []leakgateStart
)

// leakgateMatched is called first by the overlay copy of TestDeps.MatchString
// (the testdeps route), which testing calls when -test.run is set (the
// runner passes -test.run=. for this) with the top-level test's name at
// every t.Run, in the goroutine about to start the test's (or subtest's)
// own. At each new name it starts a goroutine whose id, taken from the same
// per-P batch, is about the one just before the test's: goroutine ids grow
// as goroutines are created, so the runner can tell roughly which test
// created a leaked goroutine from its id and run only that test again with
// ancestry (hook/README.md, "Test starts"). The same name again (the test's
// subtests) is not recorded. Names that are not tests (the pattern check's
// "non-empty", subtest names under a deeper -test.run of the user's) are;
// the runner keeps only the top-level tests it saw run. It waits for the
// goroutine to end, so none is left running when the test starts: a test
// that counts goroutines sees what it sees under go test.
func leakgateMatched(name string) {
	if !leakgateRecording.Load() {
		return
	}
	leakgateStartsMu.Lock()
	i := len(leakgateStarts)
	record := i < leakgateMaxStarts && (i == 0 || leakgateStarts[i-1].name != name)
	if record {
		leakgateStarts = append(leakgateStarts, leakgateStart{goid: -1, name: name})
	}
	leakgateStartsMu.Unlock()
	if record {
		done := make(chan struct{})
		go leakgateProbeID(i, done)
		<-done
	}
}

// leakgateProbeID records the id of the goroutine it runs in as start i's,
// then closes done.
func leakgateProbeID(i int, done chan<- struct{}) {
	defer close(done)
	var b [64]byte
	n := leakgateruntime.Stack(b[:], false)
	if nl := leakgatebytes.IndexByte(b[:n], '\n'); nl >= 0 {
		n = nl
	}
	id, ok := leakgateHeaderID(b[:n])
	if !ok {
		return
	}
	leakgateStartsMu.Lock()
	leakgateStarts[i].goid = id
	leakgateStartsMu.Unlock()
}

// writeStarts writes the recorded test starts; the file name, or "" when
// there were none or the file could not be written (an error then).
func (s *leakgateState) writeStarts() string {
	leakgateStartsMu.Lock()
	var b leakgatebytes.Buffer
	for _, st := range leakgateStarts {
		leakgatefmt.Fprintf(&b, "%d %s\n", st.goid, st.name)
	}
	n := len(leakgateStarts)
	leakgateStartsMu.Unlock()
	if n == 0 {
		return ""
	}
	if err := leakgateos.WriteFile(leakgatefilepath.Join(s.dir, leakgateStartsName), b.Bytes(), 0o600); err != nil {
		s.errors = append(s.errors, "test starts: "+err.Error())
		return ""
	}
	return leakgateStartsName
}

// heapPasses reads LEAKGATE_HEAP_PASSES, how many times the runner wants the
// tests run in this process (1 when unset); a bad value is reported and
// means 1.
func (s *leakgateState) heapPasses() int {
	return s.envInt("LEAKGATE_HEAP_PASSES", 1, 1, 100,
		"a count from 1 to 100; running the tests once")
}

// morePasses runs the tests passes-1 more times after the first pass: the
// heap after each pass (settled, after GC) lets leakgate judge heap growth
// per pass instead of in total, so memory a package keeps once (a cache, a
// lazily built table) stops counting. The first pass's snapshots, which
// the leak checks use, are already written and stay as they are; each
// further pass adds an entry to the manifest's "passes", and the manifest
// is written again after every pass (write receives the list so far), so
// a binary that dies in pass 3 still leaves pass 2. The settle wait of a
// pass ignores the goroutines alive when it started (pass 1's leftovers).
// Returns the first non-zero code of all passes, else 0.
func (s *leakgateState) morePasses(m *leakgatetesting.M, code, passes int,
	budget leakgatetime.Duration, write func([]leakgatejson.RawMessage)) int {
	var list []leakgatejson.RawMessage
	for pass := 2; pass <= passes; pass++ {
		known := map[int64]bool{}
		startCount := leakgateruntime.NumGoroutine()
		s.guard("pass start", func() {
			// above the full-dump limit the settle wait only counts
			if startCount <= s.fullMax {
				leakgateScanDump(s.dump(), func(id int64, creator string) { known[id] = true })
			}
		})
		s.buf = nil // not kept alive across the tests
		pc := m.Run()
		if code == 0 {
			code = pc
		}
		settle := leakgateSettleResult{budget: budget}
		s.guard("settling", func() {
			settle = s.settle(known, startCount, budget)
		})
		s.buf = nil
		var mem leakgateruntime.MemStats
		var when int64
		var count int
		profile := leakgatefmt.Sprintf("pass-%d.heap.pb.gz", pass)
		s.guard("pass snapshot", func() {
			leakgateruntime.GC()
			leakgateruntime.GC()
			when = leakgatetime.Now().UnixNano()
			leakgateruntime.ReadMemStats(&mem)
			count = leakgateruntime.NumGoroutine()
			if !s.writeHeapProfile(profile) {
				profile = ""
			}
		})
		fields := []leakgateField{
			{"pass", pass},
			{"exit_code", pc},
			{"remaining", settle.remaining},
			{"time_unix_nano", when},
			{"num_goroutine", count},
			{"memstats", leakgateMemJSON(&mem)},
		}
		if profile != "" {
			fields = append(fields, leakgateField{"heap_profile", profile})
		}
		list = append(list, leakgateObject(fields))
		s.guard("writing the after manifest", func() { write(list) })
	}
	return code
}

// leakgateProber answers the runner's SIGUSR1 with a probe while the tests
// run: leakgate sends it when the scheduler trace shows every P idle and a
// test still running, to tell a deadlock of that test from a test that
// sleeps or waits on I/O. It is started only when the runner asks for it
// (LEAKGATE_PROBE=1): a signal.Notify keeps the runtime from ever reporting
// "all goroutines are asleep", so leakgate then judges that itself.
//
// It keeps no goroutine of its own: a timer looks at the signal channel
// every leakgateProbePoll, so goleak.VerifyNone in a test, or goleak run
// after the hook by a TestMain, sees nothing of it (os/signal's own loop is
// on goleak's list of standard goroutines).
type leakgateProber struct {
	state   *leakgateState
	ch      chan leakgateos.Signal
	n       int
	stopped leakgateatomic.Bool
}

// leakgateStartProbes starts listening for SIGUSR1; fullMax is the
// goroutine count above which a probe is aggregated, as snapshots are.
func leakgateStartProbes(dir string, fullMax int) *leakgateProber {
	p := &leakgateProber{
		state: &leakgateState{dir: dir, fullMax: fullMax},
		ch:    make(chan leakgateos.Signal, 1),
	}
	leakgatesignal.Notify(p.ch, leakgatesyscall.SIGUSR1)
	leakgatetime.AfterFunc(leakgateProbePoll, p.poll)
	return p
}

func (p *leakgateProber) poll() {
	if p.stopped.Load() {
		return
	}
	select {
	case <-p.ch:
		p.n++
		p.state.errors = []string{}
		p.state.guard("probe", func() {
			p.state.busy(leakgatefmt.Sprintf("probe %d", p.n))
			p.state.probe(p.n)
		})
		p.state.idle()
	default:
	}
	leakgatetime.AfterFunc(leakgateProbePoll, p.poll)
}

// stop ends the probes once m.Run has returned: nothing polls during the
// settle phase and the after snapshot.
func (p *leakgateProber) stop() {
	p.stopped.Store(true)
	leakgatesignal.Stop(p.ch)
}

// probe writes probe-N.stacks (every goroutine; aggregated above fullMax
// goroutines, as snapshots are), probe-N.leak.stacks (the goroutineleak
// profile at debug=2, debug=1 when aggregated, where the runtime has it)
// and then the marker probe-N.json, atomically: the runner reads the probe
// once the marker exists. Its buffer is its own, so a probe never races the
// settle phase's dumps. Failures go to the marker's errors.
func (s *leakgateState) probe(n int) {
	name := leakgatefmt.Sprintf("probe-%d", n)
	now := leakgatetime.Now().UnixNano()
	count := leakgateruntime.NumGoroutine()
	agg := count > s.fullMax
	var sample string
	var cut bool
	if agg {
		s.writeGoroutineProfile(name + ".stacks")
		sample, cut = s.writeSample(name + ".sample.stacks")
	} else {
		stacks := s.dump()
		s.writeFile(name+".stacks", func(w leakgateio.Writer) error {
			_, err := w.Write(stacks)
			return err
		})
	}
	leak := s.writeLeakProfile(name+".leak.stacks", agg)
	fields := []leakgateField{
		{"protocol", leakgateProtocol},
		{"probe", n},
		{"time_unix_nano", now},
		{"num_goroutine", count},
		{"stacks", name + ".stacks"},
	}
	if leak != "" {
		fields = append(fields, leakgateField{"leak_stacks", leak})
	}
	if agg {
		fields = append(fields, leakgateField{"aggregated", true})
		if sample != "" {
			fields = append(fields, leakgateField{"sample_stacks", sample},
				leakgateField{"sample_cut", cut})
		}
	}
	fields = append(fields, leakgateField{"errors", append([]string{}, s.errors...)})
	s.writeAtomic(name+".json", fields)
}

// leakgateMain runs the tests under the hook and exits with their code. It
// stands in for goleak.VerifyTestMain(m) in a TestMain that leakgate
// rewrote, and for the TestMain leakgate injects into packages without one.
func leakgateMain(m *leakgatetesting.M) {
	leakgateos.Exit(leakgateRun(m))
}

// leakgateTestingM is a *testing.M whose Run goes through the hook. A
// rewritten TestMain hands it to goleak.VerifyTestMain when goleak's
// options cannot be translated, so goleak keeps its own behaviour.
type leakgateTestingM struct {
	m *leakgatetesting.M
}

// Run runs the tests under the hook, like m.Run.
func (w leakgateTestingM) Run() int { return leakgateRun(w.m) }

// restoreEnv gives the processes the tests start the environment they would
// have under plain `go test`. The runtime read GODEBUG and GOTRACEBACK at
// startup, so this process keeps leakgate's settings; a child (a Go tool, or
// this very test binary re-executed as a helper) must not print schedtrace
// lines into output a test inspects, crash differently, or run the hook into
// the same directory. LEAKGATE_ORIG_<VAR> holds the user's value when the
// user had one; its absence means the variable was unset.
func (s *leakgateState) restoreEnv() {
	for _, name := range []string{"GODEBUG", "GOTRACEBACK"} {
		if v, ok := leakgateos.LookupEnv("LEAKGATE_ORIG_" + name); ok {
			leakgateos.Setenv(name, v)
		} else {
			leakgateos.Unsetenv(name)
		}
	}
	for _, kv := range leakgateos.Environ() {
		if leakgatestrings.HasPrefix(kv, "LEAKGATE_") {
			if i := leakgatestrings.IndexByte(kv, '='); i > 0 {
				leakgateos.Unsetenv(kv[:i])
			}
		}
	}
}

// errorf records a problem for the manifest's "errors" array.
func (s *leakgateState) errorf(format string, args ...interface{}) {
	s.errors = append(s.errors, leakgatefmt.Sprintf(format, args...))
}

// guard runs one step of the hook, turning a panic inside it into an error
// entry: the hook must never be the reason a test binary crashes.
func (s *leakgateState) guard(what string, step func()) {
	defer func() {
		if r := recover(); r != nil {
			s.errorf("%s: internal error: %v", what, r)
		}
	}()
	step()
}

// applyMemProfileRate honours LEAKGATE_MEMPROFILERATE. It must run before
// the hook allocates anything, or early allocations are sampled at the old
// rate.
func (s *leakgateState) applyMemProfileRate() {
	if rate := s.envInt("LEAKGATE_MEMPROFILERATE", -1, 0, int(^uint(0)>>1),
		"a non-negative integer"); rate >= 0 {
		leakgateruntime.MemProfileRate = rate
	}
}

// settleBudget reads LEAKGATE_SETTLE, the most the hook may wait after
// m.Run; a bad value falls back to the default and is reported.
func (s *leakgateState) settleBudget() leakgatetime.Duration {
	v := leakgateos.Getenv("LEAKGATE_SETTLE")
	if v == "" {
		return leakgateDefaultSettle
	}
	d, err := leakgatetime.ParseDuration(v)
	if err != nil || d < 0 {
		s.errorf("LEAKGATE_SETTLE %q is not a non-negative Go duration; using %v",
			v, leakgateDefaultSettle)
		return leakgateDefaultSettle
	}
	return d
}

// fullDumpMax reads LEAKGATE_FULL_DUMP_MAX, the goroutine count above which
// snapshots are aggregated; a bad value falls back to the default and is
// reported.
func (s *leakgateState) fullDumpMax() int {
	return s.envInt("LEAKGATE_FULL_DUMP_MAX", leakgateDefaultFullDumpMax, 0, int(^uint(0)>>1),
		leakgatefmt.Sprintf("a non-negative integer; using %d", leakgateDefaultFullDumpMax))
}

// envInt reads the integer variable name: def when unset, else its value
// when it lies in [lo, hi]; anything else is reported to the manifest's
// errors as "NAME "v" is not <want>" and gives def.
func (s *leakgateState) envInt(name string, def, lo, hi int, want string) int {
	v := leakgateos.Getenv(name)
	if v == "" {
		return def
	}
	n, err := leakgatestrconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		s.errorf("%s %q is not %s", name, v, want)
		return def
	}
	return n
}

// busy writes the busy marker (busy.json) before a step that dumps
// goroutines: what the step is, the goroutine count, when it started. The
// runner postpones its SIGKILL while the marker exists and the process
// makes progress, up to a hard bound. A failure to write it is recorded
// and only costs that postponement.
func (s *leakgateState) busy(what string) {
	n := leakgateruntime.NumGoroutine()
	s.writeAtomic(leakgateBusyName, []leakgateField{
		{"protocol", leakgateProtocol},
		{"what", what},
		{"num_goroutine", n},
		{"aggregated", n > s.fullMax},
		{"started_unix_nano", leakgatetime.Now().UnixNano()},
	})
}

// idle removes the busy marker once the hook is done dumping. A marker
// that cannot be removed is harmless: the runner's postponement is bounded.
func (s *leakgateState) idle() {
	leakgateos.Remove(leakgatefilepath.Join(s.dir, leakgateBusyName))
}

// writeGoroutineProfile writes the goroutine profile at debug=1 to name:
// one entry per distinct stack with the number of goroutines on it. Its
// cost grows with the goroutines but its size with the distinct stacks,
// and the runtime takes it without stopping the world for its length.
// It reports success; failures go to the errors.
func (s *leakgateState) writeGoroutineProfile(name string) bool {
	return s.writeFile(name, func(w leakgateio.Writer) error {
		p := leakgatepprof.Lookup("goroutine")
		if p == nil {
			return leakgatefmt.Errorf("no goroutine profile in this runtime")
		}
		return p.WriteTo(w, 1)
	})
}

// writeSample writes one runtime.Stack(all) into a buffer of
// leakgateSampleBytes: the goroutines that fit, in full (status, created
// by, ancestry), cut at the buffer's end. It returns the file name ("" when
// writing failed) and whether the dump was cut.
func (s *leakgateState) writeSample(name string) (string, bool) {
	buf := make([]byte, leakgateSampleBytes)
	n := leakgateruntime.Stack(buf, true)
	if !s.writeFile(name, func(w leakgateio.Writer) error {
		_, err := w.Write(buf[:n])
		return err
	}) {
		return "", false
	}
	return name, n >= len(buf)
}

// dump returns every goroutine's stack, growing the buffer until the dump
// fits: a cut dump would hide exactly the goroutines leakgate looks for.
// The result aliases s.buf and is valid until the next dump.
func (s *leakgateState) dump() []byte {
	if len(s.buf) == 0 {
		s.buf = make([]byte, leakgateStackFirst)
	}
	for {
		n := leakgateruntime.Stack(s.buf, true)
		if n < len(s.buf) {
			return s.buf[:n]
		}
		if len(s.buf) >= leakgateStackLimit {
			s.errorf("goroutine dump cut at %d bytes", n)
			return s.buf[:n]
		}
		s.buf = make([]byte, 2*len(s.buf))
	}
}

// snapshot records MemStats, the goroutine count, a goroutine dump and a
// heap profile as <phase>.stacks and <phase>.heap.pb.gz. The count comes
// first: up to s.fullMax goroutines the dump is full (runtime.Stack(all),
// never cut); above it the snapshot is aggregated (<phase>.stacks is the
// goroutine profile at debug=1, <phase>.sample.stacks a cut full dump), so
// its cost stays bounded on huge counts. When known is not nil it is
// filled with the IDs of the goroutines in the dump (or in the sample).
// Failures go to the errors; what could be written is.
func (s *leakgateState) snapshot(phase string, known map[int64]bool) leakgateSnap {
	snap := leakgateSnap{
		timeUnixNano: leakgatetime.Now().UnixNano(),
		stacks:       phase + ".stacks",
		heapProfile:  phase + ".heap.pb.gz",
	}
	leakgateruntime.ReadMemStats(&snap.mem)
	snap.numGoroutine = leakgateruntime.NumGoroutine()
	var stacks []byte
	if snap.numGoroutine > s.fullMax {
		snap.aggregated = true
		s.writeGoroutineProfile(snap.stacks)
		snap.sampleStacks, snap.sampleCut = s.writeSample(phase + ".sample.stacks")
		if known != nil && snap.sampleStacks != "" {
			stacks, _ = leakgateos.ReadFile(leakgatefilepath.Join(s.dir, snap.sampleStacks))
		}
	} else {
		stacks = s.dump()
		s.writeFile(snap.stacks, func(w leakgateio.Writer) error {
			_, err := w.Write(stacks)
			return err
		})
	}
	if known != nil {
		leakgateScanDump(stacks, func(id int64, creator string) {
			known[id] = true
		})
	}
	s.writeHeapProfile(snap.heapProfile)
	return snap
}

// writeHeapProfile writes the heap profile (debug=0) as name in the hook
// directory and reports success; failures go to the manifest's errors.
func (s *leakgateState) writeHeapProfile(name string) bool {
	return s.writeFile(name, func(w leakgateio.Writer) error {
		p := leakgatepprof.Lookup("heap")
		if p == nil {
			return leakgatefmt.Errorf("no heap profile in this runtime")
		}
		return p.WriteTo(w, 0)
	})
}

// writeLeakProfile writes Go's goroutineleak profile (Go 1.27, or 1.26 with
// GOEXPERIMENT=goroutineleakprofile) at debug=2, or at debug=1 (aggregated
// by stack) when aggregated, and returns the file name, or "" when the
// runtime has no such profile or writing it failed.
func (s *leakgateState) writeLeakProfile(name string, aggregated bool) string {
	p := leakgatepprof.Lookup("goroutineleak")
	if p == nil {
		return ""
	}
	debug := 2
	if aggregated {
		debug = 1
	}
	ok := s.writeFile(name, func(w leakgateio.Writer) error {
		return p.WriteTo(w, debug)
	})
	if !ok {
		return ""
	}
	return name
}

// writeFile creates name in the hook directory and fills it with fill.
// It reports success; failures go to the manifest's errors.
func (s *leakgateState) writeFile(name string, fill func(leakgateio.Writer) error) bool {
	path := leakgatefilepath.Join(s.dir, name)
	f, err := leakgateos.Create(path)
	if err != nil {
		s.errorf("%v", err)
		return false
	}
	err = fill(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.errorf("writing %s: %v", path, err)
		return false
	}
	return true
}

// settle waits, with backoff and for at most budget, until every goroutine
// that is not in known (the before dump) and was not started by the runtime
// itself has exited. While more than s.fullMax goroutines exist a round
// only counts them (runtime.NumGoroutine less beforeCount, the before
// snapshot's count) instead of dumping them, so a round stays cheap. It
// never fails: what is left is for leakgate to judge.
func (s *leakgateState) settle(known map[int64]bool, beforeCount int,
	budget leakgatetime.Duration) leakgateSettleResult {
	res := leakgateSettleResult{budget: budget}
	start := leakgatetime.Now()
	backoff := leakgatetime.Millisecond
	for {
		res.rounds++
		res.remaining = 0
		if n := leakgateruntime.NumGoroutine(); n > s.fullMax {
			res.counted = true
			if n > beforeCount {
				res.remaining = n - beforeCount
			}
		} else {
			leakgateScanDump(s.dump(), func(id int64, creator string) {
				if known[id] || creator == "" ||
					leakgatestrings.HasPrefix(creator, "runtime.") {
					return
				}
				res.remaining++
			})
		}
		elapsed := leakgatetime.Since(start)
		if res.remaining == 0 || elapsed >= budget {
			break
		}
		nap := backoff
		if left := budget - elapsed; nap > left {
			nap = left
		}
		leakgatetime.Sleep(nap)
		if backoff *= 2; backoff > leakgateMaxBackoff {
			backoff = leakgateMaxBackoff
		}
	}
	res.waited = leakgatetime.Since(start)
	return res
}

// leakgateScanDump calls visit for each goroutine of a runtime.Stack dump
// with its ID and the function named on its own "created by" line ("" when
// there is none). Lines of [originating from goroutine N] ancestor blocks
// (GODEBUG=tracebackancestors) describe other goroutines and are skipped.
func leakgateScanDump(dump []byte, visit func(id int64, creator string)) {
	id := int64(-1)
	creator := ""
	inAncestor := false
	flush := func() {
		if id >= 0 {
			visit(id, creator)
		}
	}
	for len(dump) > 0 {
		line := dump
		if i := leakgatebytes.IndexByte(dump, '\n'); i >= 0 {
			line, dump = dump[:i], dump[i+1:]
		} else {
			dump = nil
		}
		if gid, ok := leakgateHeaderID(line); ok {
			flush()
			id, creator, inAncestor = gid, "", false
			continue
		}
		switch {
		case leakgatebytes.HasPrefix(line, []byte("[originating from goroutine ")):
			inAncestor = true
		case !inAncestor && creator == "" &&
			leakgatebytes.HasPrefix(line, []byte("created by ")):
			creator = leakgateCreator(line)
		}
	}
	flush()
}

// leakgateHeaderID parses a goroutine header line, "goroutine 12 [chan
// send]:" or with GOTRACEBACK=system "goroutine 12 gp=0x... m=nil [...]:".
func leakgateHeaderID(line []byte) (int64, bool) {
	rest, ok := leakgateTrimPrefix(line, "goroutine ")
	if !ok {
		return 0, false
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 || n >= len(rest) || rest[n] != ' ' ||
		leakgatebytes.IndexByte(rest[n:], '[') < 0 {
		return 0, false
	}
	id, err := leakgatestrconv.ParseInt(string(rest[:n]), 10, 64)
	if err != nil {
		return 0, false
	}
	return id, true
}

// leakgateCreator extracts the function from "created by pkg.F in goroutine 7".
func leakgateCreator(line []byte) string {
	rest, _ := leakgateTrimPrefix(line, "created by ")
	if i := leakgatebytes.Index(rest, []byte(" in goroutine ")); i >= 0 {
		rest = rest[:i]
	}
	return string(leakgatebytes.TrimSpace(rest))
}

func leakgateTrimPrefix(line []byte, prefix string) ([]byte, bool) {
	if !leakgatebytes.HasPrefix(line, []byte(prefix)) {
		return line, false
	}
	return line[len(prefix):], true
}

// manifest builds hook.json for a phase; after, code and settle are used
// only in phase "after".
func (s *leakgateState) manifest(phase string, before, after *leakgateSnap,
	code int, settle *leakgateSettleResult) []leakgateField {
	fields := []leakgateField{
		{"protocol", leakgateProtocol},
		{"hook_version", leakgateHookVersion},
		{"phase", phase},
		{"go_version", leakgateruntime.Version()},
		{"gomaxprocs", leakgateruntime.GOMAXPROCS(0)},
		{"pid", leakgateos.Getpid()},
	}
	if after != nil && code >= 0 {
		fields = append(fields, leakgateField{"exit_code", code})
	}
	if after != nil {
		fields = append(fields,
			leakgateField{"settle", leakgateSettleJSON(settle)},
			leakgateField{"leak_profile", after.leakStacks != ""})
		if s.startsFile != "" {
			fields = append(fields, leakgateField{"test_starts", s.startsFile})
		}
	}
	fields = append(fields, leakgateField{"before", leakgateSnapJSON(before)})
	if after != nil {
		fields = append(fields, leakgateField{"after", leakgateSnapJSON(after)})
	}
	// Copied so the entries appended after this point cannot alias it.
	errs := append([]string{}, s.errors...)
	return append(fields, leakgateField{"errors", errs})
}

// leakgateSettleJSON is the manifest's settle object; "counted" appears
// only when some rounds only counted goroutines.
func leakgateSettleJSON(settle *leakgateSettleResult) leakgatejson.RawMessage {
	fields := []leakgateField{
		{"budget_ms", leakgateMillis(settle.budget)},
		{"waited_ms", leakgateMillis(settle.waited)},
		{"rounds", settle.rounds},
		{"remaining", settle.remaining},
	}
	if settle.counted {
		fields = append(fields, leakgateField{"counted", true})
	}
	return leakgateObject(fields)
}

func leakgateSnapJSON(snap *leakgateSnap) leakgatejson.RawMessage {
	fields := []leakgateField{
		{"time_unix_nano", snap.timeUnixNano},
		{"num_goroutine", snap.numGoroutine},
		{"memstats", leakgateMemJSON(&snap.mem)},
		{"stacks", snap.stacks},
		{"heap_profile", snap.heapProfile},
	}
	if snap.leakStacks != "" {
		fields = append(fields, leakgateField{"leak_stacks", snap.leakStacks})
	}
	if snap.aggregated {
		fields = append(fields, leakgateField{"aggregated", true})
		if snap.sampleStacks != "" {
			fields = append(fields, leakgateField{"sample_stacks", snap.sampleStacks},
				leakgateField{"sample_cut", snap.sampleCut})
		}
	}
	return leakgateObject(fields)
}

// leakgateMemJSON is the manifest's "memstats" object.
func leakgateMemJSON(m *leakgateruntime.MemStats) leakgatejson.RawMessage {
	return leakgateObject([]leakgateField{
		{"heap_alloc", m.HeapAlloc},
		{"heap_inuse", m.HeapInuse},
		{"heap_objects", m.HeapObjects},
		{"total_alloc", m.TotalAlloc},
		{"mallocs", m.Mallocs},
		{"frees", m.Frees},
		{"stack_inuse", m.StackInuse},
		{"sys", m.Sys},
		{"num_gc", m.NumGC},
	})
}

// leakgateMillis gives a duration in milliseconds with microsecond precision.
func leakgateMillis(d leakgatetime.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// leakgateObject encodes fields as a JSON object in the given order. Values
// are plain numbers, strings, bools, string slices or nested objects, all of
// which encoding/json accepts, so an encoding error cannot happen; should
// one anyway, the value becomes null rather than breaking the manifest.
func leakgateObject(fields []leakgateField) leakgatejson.RawMessage {
	var b leakgatebytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := leakgatejson.Marshal(f.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := leakgatejson.Marshal(f.value)
		if err != nil {
			v = []byte("null")
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// writeManifest replaces hook.json atomically (temporary file, fsync,
// rename), so leakgate never reads half a manifest even when the binary is
// killed mid-write.
func (s *leakgateState) writeManifest(fields []leakgateField) {
	s.writeAtomic(leakgateManifestName, fields)
}

// writeAtomic writes fields as an indented JSON object to name in the hook
// directory through a temporary file, fsync and rename.
func (s *leakgateState) writeAtomic(name string, fields []leakgateField) {
	var out leakgatebytes.Buffer
	if err := leakgatejson.Indent(&out, leakgateObject(fields), "", "  "); err != nil {
		s.errorf("encoding %s: %v", name, err)
		return
	}
	out.WriteByte('\n')

	final := leakgatefilepath.Join(s.dir, name)
	tmp := final + ".tmp"
	f, err := leakgateos.Create(tmp)
	if err != nil {
		s.errorf("%v", err)
		return
	}
	_, err = f.Write(out.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = leakgateos.Rename(tmp, final)
	}
	if err != nil {
		s.errorf("writing %s: %v", final, err)
		leakgateos.Remove(tmp)
		return
	}
	// Persisting the rename is best effort: not every file system lets a
	// directory be synced, and the manifest is complete either way.
	if d, err := leakgateos.Open(s.dir); err == nil {
		d.Sync()
		d.Close()
	}
}
