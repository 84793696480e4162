package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCreateOrder(t *testing.T) {
	srv := httptest.NewServer(NewServer(func(to, body string) error { return nil }))
	defer srv.Close()

	resp, err := srv.Client().Post(srv.URL+"/orders", "application/json",
		strings.NewReader(`{"item":"gopher plush","email":"a@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, want 201", resp.StatusCode)
	}
	if loc := resp.Header.Get("Location"); loc != "/orders/1" {
		t.Fatalf("Location = %q", loc)
	}
}

func TestRejectsEmptyOrder(t *testing.T) {
	rec := httptest.NewRecorder()
	NewServer(nil).ServeHTTP(rec, httptest.NewRequest("POST", "/orders", strings.NewReader(`{}`)))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", rec.Code)
	}
}
