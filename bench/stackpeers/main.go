// Command stackpeers parses and aggregates a goroutine dump with one of the
// two Go libraries leakgate's dump engine is measured against, so that
// bench/stacks_vs_peers.sh can time them on the same file:
//
//	stackpeers gostackparse FILE   github.com/DataDog/gostackparse
//	stackpeers panicparse FILE     github.com/maruel/panicparse/v2/stack
//
// Each reads the file, parses every goroutine and groups them by stack
// (gostackparse: state plus function, file and line of every frame;
// panicparse: its own Aggregate with AnyValue, its loosest exact-lines
// level), then prints "goroutines groups" so the counts can be compared.
// It does nothing else: no output formatting, no source reading.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/DataDog/gostackparse"
	"github.com/maruel/panicparse/v2/stack"
)

func withGostackparse(r io.Reader) (int, int) {
	gs, _ := gostackparse.Parse(r)
	groups := map[string]int{}
	var key strings.Builder
	for _, g := range gs {
		key.Reset()
		key.WriteString(g.State)
		for _, f := range g.Stack {
			key.WriteByte('\n')
			key.WriteString(f.Func)
			key.WriteByte(' ')
			key.WriteString(f.File)
			key.WriteByte(':')
			key.WriteString(strconv.Itoa(f.Line))
		}
		groups[key.String()]++
	}
	return len(gs), len(groups)
}

func withPanicparse(r io.Reader) (int, int, error) {
	snap, _, err := stack.ScanSnapshot(r, io.Discard, &stack.Opts{})
	if err != nil && err != io.EOF {
		return 0, 0, err
	}
	if snap == nil {
		return 0, 0, nil
	}
	agg := snap.Aggregate(stack.AnyValue)
	return len(snap.Goroutines), len(agg.Buckets), nil
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: stackpeers gostackparse|panicparse FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var n, groups int
	switch os.Args[1] {
	case "gostackparse":
		n, groups = withGostackparse(r)
	case "panicparse":
		n, groups, err = withPanicparse(r)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown parser", os.Args[1])
		os.Exit(2)
	}
	fmt.Println(n, groups)
}
