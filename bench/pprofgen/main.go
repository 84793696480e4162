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
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
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

// labelled writes a goroutine profile of n goroutines blocked in one
// handler, each carrying its own "request" label and one of ten "route"
// labels, as a server tagging requests with pprof labels has: n samples
// that share one stack.
func labelled(n int, out string) error {
	var ready sync.WaitGroup
	block := make(chan struct{})
	for i := 0; i < n; i++ {
		ready.Add(1)
		labels := pprof.Labels("request", strconv.Itoa(i), "route", "r"+strconv.Itoa(i%10))
		go pprof.Do(context.Background(), labels, func(context.Context) {
			ready.Done()
			<-block
		})
	}
	ready.Wait()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("goroutine").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func main() {
	stacks := flag.Int("stacks", 120000, "distinct allocation stacks (at most 1000000)")
	labels := flag.Int("labelled", 0, "instead: a goroutine profile of N labelled goroutines")
	flag.Parse()
	if flag.NArg() != 1 || *stacks < 1 || *stacks > 1000000 || *labels < 0 {
		fmt.Fprintln(os.Stderr, "usage: pprofgen [-stacks N | -labelled N] OUT.pb.gz")
		os.Exit(2)
	}
	if *labels > 0 {
		if err := labelled(*labels, flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
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
