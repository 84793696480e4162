// Package ledger keeps account balances. Transfer takes the ledger's lock
// and then calls Balance, which takes the same lock again: Go's mutexes are
// not reentrant, so the first Transfer deadlocks against itself.
package ledger

import (
	"errors"
	"sync"
)

// ErrInsufficient is returned when an account cannot cover a transfer.
var ErrInsufficient = errors.New("insufficient funds")

// Ledger maps account names to balances in cents.
type Ledger struct {
	mu       sync.Mutex
	balances map[string]int64
}

// New returns a ledger with opening balances.
func New(opening map[string]int64) *Ledger {
	l := &Ledger{balances: map[string]int64{}}
	for k, v := range opening {
		l.balances[k] = v
	}
	return l
}

// Balance returns an account's balance.
func (l *Ledger) Balance(account string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.balances[account]
}

// Transfer moves cents from one account to another.
func (l *Ledger) Transfer(from, to string, cents int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Balance(from) < cents { // locks l.mu a second time: deadlock
		return ErrInsufficient
	}
	l.balances[from] -= cents
	l.balances[to] += cents
	return nil
}
