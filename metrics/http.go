package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler(log zerolog.Logger) http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            promLogger{log},
		Registry:            m.reg, // promhttp_metric_handler_errors_total
		Timeout:             10 * time.Second,
		MaxRequestsInFlight: 4,
	})
}

// Server is the HTTP endpoint.
type Server struct {
	srv  *http.Server
	done chan struct{}
}

// Serve serves the metrics at path on ln until Shutdown; other paths
// answer 404. A serving error other than a shutdown is logged.
func (m *Metrics) Serve(ln net.Listener, path string, log zerolog.Logger) *Server {
	mux := http.NewServeMux()
	mux.Handle(path, m.Handler(log))
	s := &Server{srv: &http.Server{
		Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10,
	}, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Str("address", ln.Addr().String()).Msg("metrics endpoint stopped")
		}
	}()
	return s
}

// Shutdown stops the endpoint, letting scrapes in progress finish until
// ctx ends, and waits for the serving goroutine.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	<-s.done
	return err
}

// promLogger routes promhttp's errors to the debug log.
type promLogger struct{ log zerolog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Warn().Str("source", "promhttp").Msg(strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}
