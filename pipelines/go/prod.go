//go:build !dev

package main

import (
	"net/http"
	"time"
)

const buildMode = "production"

func wrap(handler http.Handler) http.Handler { return handler }

// warmUp stands for the start-up work a real service does before it serves (filling caches,
// checking its dependencies): worth it in production, a cost on every restart in development,
// which is why the dev build leaves it out.
func warmUp() { time.Sleep(2 * time.Second) }
