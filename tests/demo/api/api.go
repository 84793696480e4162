// Package api is the order service's HTTP layer. Creating an order sends a
// receipt in the background, and the background goroutine has no way to be
// cancelled: it reports to a channel that only the production main drains.
package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
)

// Order is what clients post.
type Order struct {
	ID    int    `json:"id"`
	Item  string `json:"item"`
	Email string `json:"email"`
}

// Server holds the orders and the receipt pipeline.
type Server struct {
	mu     sync.Mutex
	orders []Order

	// Sent receives the ID of every order whose receipt went out. main
	// starts a goroutine that drains it into metrics.
	Sent chan int
	// Mail delivers a receipt.
	Mail func(to, body string) error
}

// NewServer returns a server with an unbuffered receipt channel.
func NewServer(mail func(to, body string) error) *Server {
	return &Server{Sent: make(chan int), Mail: mail}
}

// ServeHTTP handles POST /orders.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var o Order
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil || o.Item == "" {
		http.Error(w, "bad order", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	o.ID = len(s.orders) + 1
	s.orders = append(s.orders, o)
	s.mu.Unlock()

	// The receipt must not slow the response down, so it goes out in the
	// background, with no context and no way to stop it.
	go s.sendReceipt(o)

	w.Header().Set("Location", "/orders/"+strconv.Itoa(o.ID))
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) sendReceipt(o Order) {
	if err := s.Mail(o.Email, "Thanks for ordering "+o.Item); err != nil {
		return
	}
	s.Sent <- o.ID // blocks until someone reads Sent
}
