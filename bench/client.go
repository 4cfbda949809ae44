package bench

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	gomilter "github.com/d--j/go-milter"
)

// ChunkSize is the largest body chunk sent: 65535 bytes, as Postfix sends them.
const ChunkSize = int(gomilter.DataSize64K)

// Load is one load run against one server.
type Load struct {
	Addr        string // host:port of the milter
	Concurrency int    // client connections in flight
	// PerSession is how many messages one milter connection carries: 1 is
	// Postfix with one message per SMTP connection.
	PerSession int
}

// Run is what a load run measured.
type Run struct {
	Wall      time.Duration
	Latencies []time.Duration // one per message, in completion order
	Actions   map[string]int  // final replies: accept, reject 550, tempfail 451...
}

// Run sends every message in msgs once. Concurrency workers take messages
// from a shared queue. A message's latency runs from the start of its first
// milter exchange (dial, negotiation and CONNECT for the first message of a
// connection; MAIL for the next ones) to the end-of-message reply.
func (l Load) Run(msgs []Message) (*Run, error) {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		run   = &Run{Actions: map[string]int{}, Latencies: make([]time.Duration, 0, len(msgs))}
		errs  []error
		wg    sync.WaitGroup
		c     = newClient(l.Addr)
		start = time.Now()
	)
	take := func() (*Message, bool) {
		i := next.Add(1) - 1
		if i >= int64(len(msgs)) {
			return nil, false
		}
		return &msgs[i], true
	}
	record := func(lat time.Duration, act string) {
		mu.Lock()
		run.Latencies = append(run.Latencies, lat)
		run.Actions[act]++
		mu.Unlock()
	}
	for w := 0; w < l.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			if err := l.worker(c, w, take, record); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				next.Store(int64(len(msgs))) // stop the others
			}
		}(w)
	}
	wg.Wait()
	run.Wall = time.Since(start)
	return run, errors.Join(errs...)
}

// newClient is an MTA that, like Postfix, offers every action and protocol
// option and lets the milter choose. Both servers ask for milter.Protocol
// and milter.Actions (plus macros), so the wire traffic is the same.
func newClient(addr string) *gomilter.Client {
	return gomilter.NewClient("tcp", addr,
		gomilter.WithActions(gomilter.AllClientSupportedActionMasks),
		gomilter.WithOfferedMaxData(gomilter.DataSize64K),
	)
}

// worker opens milter connections until the queue is empty, each carrying
// up to PerSession messages.
func (l Load) worker(c *gomilter.Client, w int, take func() (*Message, bool), record func(time.Duration, string)) error {
	for n := 0; ; n++ {
		m, ok := take()
		if !ok {
			return nil
		}
		start := time.Now()
		macros := gomilter.NewMacroBag()
		macros.Set(gomilter.MacroMTAFQDN, "mx.bench.test")
		s, err := c.Session(macros)
		if err != nil {
			return err
		}
		if _, err := s.Conn("mail.client.test", gomilter.FamilyInet, 25, "192.0.2.10"); err != nil {
			return err
		}
		if _, err := s.Helo("mail.client.test"); err != nil {
			return err
		}
		for k := 0; ; k++ {
			macros.Set(gomilter.MacroQueueId, "Q"+strconv.Itoa(w)+"x"+strconv.Itoa(n)+"x"+strconv.Itoa(k))
			act, err := send(s, m)
			if err != nil {
				_ = s.Close()
				return fmt.Errorf("%s: %w", m.Name, err)
			}
			record(time.Since(start), actionName(act))
			if k+1 >= l.PerSession {
				break
			}
			if m, ok = take(); !ok {
				break
			}
			start = time.Now()
		}
		if err := s.Close(); err != nil {
			return err
		}
	}
}

// send runs one transaction, MAIL to end of message, and returns the reply.
func send(s *gomilter.ClientSession, m *Message) (*gomilter.Action, error) {
	steps := []func() (*gomilter.Action, error){
		func() (*gomilter.Action, error) { return s.Mail(m.MailFrom, "") },
		func() (*gomilter.Action, error) { return s.Rcpt("<user@bench.test>", "") },
		s.DataStart,
	}
	for _, step := range steps {
		if act, err := step(); err != nil || act.StopProcessing() {
			return act, err
		}
	}
	for _, f := range m.Fields {
		if _, err := s.HeaderField(f.Name, f.Value, nil); err != nil {
			return nil, err
		}
	}
	if _, err := s.HeaderEnd(); err != nil {
		return nil, err
	}
	// QUIRK: go-milter's client refuses End without a body chunk, so an
	// empty body goes as one empty chunk (Postfix would send none).
	for b, first := m.Body, true; first || len(b) > 0; first = false {
		n := min(len(b), ChunkSize)
		if _, err := s.BodyChunk(b[:n]); err != nil {
			return nil, err
		}
		b = b[n:]
	}
	_, act, err := s.End()
	return act, err
}

// actionName names a final reply for the tally.
func actionName(a *gomilter.Action) string {
	switch a.Type {
	case gomilter.ActionAccept, gomilter.ActionContinue:
		return "accept"
	case gomilter.ActionDiscard:
		return "discard"
	case gomilter.ActionReject:
		return "reject"
	case gomilter.ActionTempFail:
		return "tempfail"
	case gomilter.ActionRejectWithCode:
		return "reply " + strconv.Itoa(int(a.SMTPCode))
	}
	return "other"
}
