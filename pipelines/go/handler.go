package main

import (
	"fmt"
	"net/http"
)

// greet answers every request with one line of text. Edit it while `pipeline run` runs:
// the binary is rebuilt and restarted, and the next request gets the new text.
func greet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "Hello from Go!")
}
