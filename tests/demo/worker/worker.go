// Package worker resizes images on a fixed pool of goroutines. The pool's
// workers range over the jobs channel, and nothing ever closes it: once the
// caller has its results, the workers wait for more jobs forever.
package worker

import (
	"fmt"
	"sync"
)

// Job is one image to resize.
type Job struct {
	Name          string
	Width, Height int
}

// Pool runs resize jobs concurrently.
type Pool struct {
	jobs    chan Job
	results chan string
	pending sync.WaitGroup
}

// NewPool starts n workers.
func NewPool(n int) *Pool {
	p := &Pool{jobs: make(chan Job), results: make(chan string, 64)}
	for i := 0; i < n; i++ {
		go p.work()
	}
	return p
}

func (p *Pool) work() {
	for j := range p.jobs {
		p.results <- fmt.Sprintf("%s@%dx%d", j.Name, j.Width/2, j.Height/2)
		p.pending.Done()
	}
}

// Resize submits the jobs and waits for their results. It does not close
// p.jobs: the pool is meant to be reused, but there is no Close either.
func (p *Pool) Resize(jobs []Job) []string {
	p.pending.Add(len(jobs))
	go func() {
		for _, j := range jobs {
			p.jobs <- j
		}
	}()
	p.pending.Wait()
	out := make([]string, 0, len(jobs))
	for range jobs {
		out = append(out, <-p.results)
	}
	return out
}
