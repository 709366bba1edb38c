package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The handler answers 200 with one line of text (whatever the text: editing it is the demo).
func TestGreetAnswersOneLineOfText(t *testing.T) {
	recorder := httptest.NewRecorder()
	greet(recorder, httptest.NewRequest(http.MethodGet, "/", nil))
	if recorder.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", recorder.Code)
	}
	body := recorder.Body.String()
	if !strings.HasSuffix(body, "\n") || strings.Count(body, "\n") != 1 || len(strings.TrimSpace(body)) == 0 {
		t.Fatalf("body %q, want one non-empty line", body)
	}
}
