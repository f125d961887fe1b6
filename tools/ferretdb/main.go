// Command ferretdb runs embedded FerretDB v1 (MongoDB wire protocol on SQLite) for tests
// and CI on machines that cannot run Docker or download MongoDB.
//
//	ferretdb -sqlite-dir /tmp/fdb -listen-addr 127.0.0.1:0
//
// It prints "ferretdb listening on HOST:PORT" on stdout once the port is bound (port 0
// picks a free one) and runs until SIGTERM/SIGINT.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on (port 0 picks a free port)")
	dir := flag.String("sqlite-dir", "", "directory for the SQLite databases (required; created if missing)")
	flag.Parse()
	if *dir == "" {
		fail(errors.New("-sqlite-dir is required"))
	}
	abs, err := filepath.Abs(*dir)
	if err == nil {
		err = os.MkdirAll(abs, 0o755)
	}
	fail(err)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	// Error level: at warn FerretDB logs every failed command (e.g. the driver's
	// endSessions, which it lacks) and every client disconnect.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *addr},
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	fail(err)

	done := make(chan struct{})
	go func() { _ = f.Run(ctx); close(done) }()

	// New() has already bound the socket (net.Listen), so connections are accepted from
	// here on; MongoDBURI() waits for the listener and reports the real port.
	u, err := url.Parse(f.MongoDBURI())
	fail(err)
	fmt.Printf("ferretdb listening on %s\n", u.Host)
	<-done
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}
