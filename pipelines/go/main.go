// A tiny HTTP server for the Go example of `pipeline`: it answers every request with the
// text of greet (handler.go) on 127.0.0.1:$PORT (8080 by default), and on SIGINT, which the
// pipeline's restart stage sends, it stops accepting, finishes the requests in flight and
// exits.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	// The root context ends on SIGINT (os.Interrupt) or SIGTERM: the graceful stop.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	warmUp()
	server := &http.Server{Addr: "127.0.0.1:" + port, Handler: wrap(http.HandlerFunc(greet))}
	failed := make(chan error, 1)
	go func() { failed <- server.ListenAndServe() }()
	log.Printf("%s build listening on http://127.0.0.1:%s/", buildMode, port)

	select {
	case err := <-failed:
		log.Fatalf("cannot serve: %v", err)
	case <-ctx.Done():
	}
	log.Printf("stopping: finishing requests in flight")
	shutdown, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	if err := server.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Printf("shutdown: %v", err)
	}
	log.Printf("stopped")
}
