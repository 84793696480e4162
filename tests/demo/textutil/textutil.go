// Package textutil has small text helpers. Its tests are clean: the
// concurrent word count waits for every goroutine it starts.
package textutil

import (
	"strings"
	"sync"
)

// Slug turns a title into a URL slug.
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// CountWords counts words in each document concurrently.
func CountWords(docs []string) int {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for _, d := range docs {
		wg.Add(1)
		go func(d string) {
			defer wg.Done()
			n := len(strings.Fields(d))
			mu.Lock()
			total += n
			mu.Unlock()
		}(d)
	}
	wg.Wait()
	return total
}
