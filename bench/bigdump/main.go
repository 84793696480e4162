// Command bigdump parks N goroutines in a fixed set of distinct stacks and
// writes runtime.Stack(all) output (what the goroutine profile prints at
// debug=2) to a file: the input of bench/stacks_vs_peers.sh.
//
// The stacks: eight blocking kinds (channel receive and send, select,
// mutex, RWMutex, WaitGroup, Cond, sleep) each at recursion depths 0-5,
// 48 distinct stacks whatever N is, with real arguments in every frame.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

type parked struct {
	in     chan int // only ever received from
	out    chan int // only ever sent to
	mu     sync.Mutex
	rw     sync.RWMutex
	wg     sync.WaitGroup
	cond   *sync.Cond
	ready  sync.WaitGroup
	kinds  int
	depths int
}

func (p *parked) block(kind int) {
	p.ready.Done()
	switch kind {
	case 0:
		<-p.in
	case 1:
		p.out <- 1
	case 2:
		select {
		case <-p.in:
		case p.out <- 2:
		}
	case 3:
		p.mu.Lock()
	case 4:
		p.rw.Lock()
	case 5:
		p.wg.Wait()
	case 6:
		p.cond.L.Lock()
		p.cond.Wait()
	default:
		time.Sleep(time.Hour)
	}
}

//go:noinline
func (p *parked) descend(kind, depth int, name string) int {
	if depth == 0 {
		p.block(kind)
		return 0
	}
	return p.descend(kind, depth-1, name) + len(name)
}

func main() {
	n := flag.Int("n", 100000, "goroutines to park")
	out := flag.String("o", "bigdump.txt", "output file")
	flag.Parse()

	p := &parked{in: make(chan int), out: make(chan int), kinds: 8, depths: 6}
	p.mu.Lock()
	p.rw.RLock()
	p.wg.Add(1)
	p.cond = sync.NewCond(&sync.Mutex{})
	p.ready.Add(*n)
	for i := 0; i < *n; i++ {
		kind, depth := i%p.kinds, (i/p.kinds)%p.depths
		go p.descend(kind, depth, "worker")
	}
	p.ready.Wait()
	// Let the last ones reach their blocking call.
	for i := 0; i < 50; i++ {
		runtime.Gosched()
	}
	time.Sleep(200 * time.Millisecond)
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// runtime.Stack(all) rather than the debug=2 profile, which stops at
	// 64 MiB; the text is the same.
	buf := make([]byte, 64<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	if _, err := f.Write(buf); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
