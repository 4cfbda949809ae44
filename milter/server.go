// Package milter adapts mailsift to the milter protocol (version 6) through
// github.com/d--j/go-milter. A session collects the envelope, headers and a
// bounded copy of the body; at end of message it runs the shared pipeline
// (package filter) under a deadline and applies the result: incoming
// X-Spam-* fields are removed, ours are added, the Subject is tagged once,
// and the reply is accept, reject (550) or the fail-safe.
//
// The library trusts its peer; Guard (guard.go) validates every frame before
// the library sees it, and every callback here recovers its own panics.
package milter

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/filter"
)

// Options configure a Server.
type Options struct {
	// Runtime returns the current runtime; it is called once per message,
	// so a reload takes effect at the next message while messages in
	// flight keep their snapshot.
	Runtime func() *filter.Runtime
	Log     zerolog.Logger // lifecycle and errors
	MsgLog  zerolog.Logger // one line per message
	// FaultDelay is fault injection for tests: when non-zero, messages
	// whose Subject contains "mailsift-fault-delay" sleep this long before
	// scoring.
	FaultDelay time.Duration
	// OnResult, when set, is called after each message (metrics, stats).
	OnResult func(*Outcome)
	// MaxPipelines bounds verdicts in flight, including those still
	// running past their deadline (a hung rule); 0 means no bound.
	MaxPipelines int
}

// Server is a milter server.
type Server struct {
	opt      Options
	srv      *gomilter.Server
	active   atomic.Int64
	inflight atomic.Int64
}

// Protocol is what we ask the MTA for: no replies except at end of message,
// no DATA, EOH or unknown-command events, and header values with their
// leading blank so we see the message as written.
const Protocol = gomilter.OptNoReplies | gomilter.OptNoData | gomilter.OptNoEOH |
	gomilter.OptNoUnknown | gomilter.OptHeaderLeadingSpace

// Actions are the modifications we may make.
const Actions = gomilter.OptAddHeader | gomilter.OptChangeHeader | gomilter.OptQuarantine

// New builds a server.
func New(opt Options) *Server {
	s := &Server{opt: opt}
	opts := append(Negotiation(), gomilter.WithMilter(func() gomilter.Milter { return newSession(s) }))
	s.srv = gomilter.NewServer(opts...)
	return s
}

// Negotiation returns the go-milter options that set what mailsift asks of
// the MTA: protocol steps, actions and macros. The benchmark's no-op milter
// uses the same, so both see the same traffic.
func Negotiation() []gomilter.Option {
	return []gomilter.Option{
		gomilter.WithProtocols(Protocol),
		gomilter.WithActions(Actions),
		gomilter.WithMacroRequest(gomilter.StageConnect, []gomilter.MacroName{gomilter.MacroClientPTR}),
		gomilter.WithMacroRequest(gomilter.StageMail, []gomilter.MacroName{gomilter.MacroQueueId, gomilter.MacroAuthAuthen}),
		gomilter.WithMacroRequest(gomilter.StageRcpt, []gomilter.MacroName{gomilter.MacroQueueId}),
		gomilter.WithMacroRequest(gomilter.StageEOM, []gomilter.MacroName{gomilter.MacroQueueId}),
		gomilter.WithWriteTimeout(30 * time.Second),
	}
}

// Serve accepts connections on ln, guarded by g, until Shutdown or Close.
func (s *Server) Serve(ln net.Listener, g GuardOptions) error {
	gl := Guard(ln, g)
	err := s.srv.Serve(gl)
	if errors.Is(err, gomilter.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for sessions to end, up to ctx.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close stops at once.
func (s *Server) Close() error { return s.srv.Close() }

// Sessions returns the number of sessions open now.
func (s *Server) Sessions() int64 { return s.active.Load() }
