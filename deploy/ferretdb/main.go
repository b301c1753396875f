// Command ferretdb runs FerretDB v1 (MongoDB wire protocol on PostgreSQL or SQLite) through
// its embeddable package, avoiding the upstream binary's version.txt panic (issue #2982).
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data", "./data", "directory for SQLite files")
	backend := flag.String("backend", "sqlite", "postgresql or sqlite")
	postgresURL := flag.String("postgresql-url", "", "PostgreSQL URL for -backend postgresql")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()

	if os.Getenv("GOGC") == "" {
		// The heap is tens of MB: collecting at 5x instead of 2x its live size trades a little
		// memory for ~4% less CPU per query (measured on finds by _id).
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMAXPROCS") == "" {
		// One P: each query otherwise wakes an idle P's thread (pgx's context watcher, cursors),
		// and those futex wake-ups were ~40 % of its CPU on 2 cores. Measured on finds by _id:
		// 0.33 -> 0.22 ms of FerretDB CPU per query with one client, 0.25 -> 0.18 with four,
		// 0.21 -> 0.17 with sixteen; it then uses at most one core (it used < 0.5 under the bench).
		runtime.GOMAXPROCS(1)
	}

	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}

	config := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Handler:  *backend,
		Logger:   newLogger(*logLevel),
	}
	switch *backend {
	case "sqlite":
		config.SQLiteURL = "file:" + dir + "/"
	case "postgresql":
		if *postgresURL == "" {
			log.Fatal("-backend postgresql needs -postgresql-url")
		}
		config.PostgreSQLURL = *postgresURL
	default:
		log.Fatalf("unknown -backend %q (postgresql or sqlite)", *backend)
	}

	f, err := ferretdb.New(config)
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Printf("ferretdb listening on %s, backend %s", *listen, *backend)
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
