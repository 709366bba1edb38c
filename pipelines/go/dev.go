//go:build dev

package main

// Compiled only with `go build -tags dev`, as the pipeline builds: development-only code
// lives behind the tag, so the loop stays fast and production builds never contain it.
// Here: every request is logged, and slow start-up work is skipped.

import (
	"log"
	"net/http"
)

const buildMode = "dev"

func wrap(handler http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s", r.Method, r.URL.Path)
		handler.ServeHTTP(w, r)
	})
}

func warmUp() {}
