// Command pprofgen writes a heap profile with a chosen number of distinct
// allocation stacks, the input of bench/pprof_vs_gotool.sh.
//
// Every allocation is sampled (MemProfileRate = 1) and each one is made at
// the end of its own call path: the digits of i (base 10, six of them)
// choose which of ten step functions runs at each depth, so path i has a
// stack no other path has, and the profile holds one sample per path plus
// the runtime's own few.
//
// usage: pprofgen [-stacks N] OUT.pb.gz
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

const depth = 6

var (
	steps [10]func(path *[depth]int, d int)
	sink  [][]byte
)

func init() {
	runtime.MemProfileRate = 1
	steps = [10]func(*[depth]int, int){step0, step1, step2, step3, step4,
		step5, step6, step7, step8, step9}
}

// next runs the step chosen by digit d of the path, or allocates at the end.
//
//go:noinline
func next(path *[depth]int, d int) {
	if d == depth {
		sink = append(sink, make([]byte, 64))
		return
	}
	steps[path[d]](path, d+1)
}

//go:noinline
func step0(p *[depth]int, d int) { next(p, d) }

//go:noinline
func step1(p *[depth]int, d int) { next(p, d) }

//go:noinline
func step2(p *[depth]int, d int) { next(p, d) }

//go:noinline
func step3(p *[depth]int, d int) { next(p, d) }

//go:noinline
func step4(p *[depth]int, d int) { next(p, d) }

//go:noinline
func step5(p *[depth]int, d int) { next(p, d) }

//go:noinline
func step6(p *[depth]int, d int) { next(p, d) }

//go:noinline
func step7(p *[depth]int, d int) { next(p, d) }

//go:noinline
func step8(p *[depth]int, d int) { next(p, d) }

//go:noinline
func step9(p *[depth]int, d int) { next(p, d) }

func main() {
	stacks := flag.Int("stacks", 120000, "distinct allocation stacks (at most 1000000)")
	flag.Parse()
	if flag.NArg() != 1 || *stacks < 1 || *stacks > 1000000 {
		fmt.Fprintln(os.Stderr, "usage: pprofgen [-stacks N] OUT.pb.gz")
		os.Exit(2)
	}
	sink = make([][]byte, 0, *stacks)
	for i := 0; i < *stacks; i++ {
		var path [depth]int
		for d, n := depth-1, i; d >= 0; d, n = d-1, n/10 {
			path[d] = n % 10
		}
		next(&path, 0)
	}
	runtime.GC() // the heap profile shows the state as of the last GC
	f, err := os.Create(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
