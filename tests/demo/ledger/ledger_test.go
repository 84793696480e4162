package ledger

import "testing"

func TestTransfer(t *testing.T) {
	l := New(map[string]int64{"alice": 1000, "bob": 0})
	if err := l.Transfer("alice", "bob", 250); err != nil {
		t.Fatal(err)
	}
	if l.Balance("bob") != 250 {
		t.Fatalf("bob has %d", l.Balance("bob"))
	}
}
