// Package miltertest sends messages to a milter the way Postfix does, with
// go-milter's client, for tests of the milter and of the daemon.
package miltertest

import (
	"strings"
	"testing"

	gomilter "github.com/d--j/go-milter"
)

// Envelope is what the client says before DATA; zero fields take the
// defaults of Open.
type Envelope struct {
	ClientIP, ClientName, Helo, From, Rcpt string
}

// Open starts a session at addr (TCP), offering every action as Postfix
// does, and sends CONNECT, HELO, MAIL and RCPT. The session closes when
// the test ends. A step the milter refuses fails the test.
func Open(t testing.TB, addr string, env Envelope) *gomilter.ClientSession {
	t.Helper()
	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	c := gomilter.NewClient("tcp", addr, gomilter.WithActions(gomilter.AllClientSupportedActionMasks))
	s, err := c.Session(gomilter.NewMacroBag())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	name := def(env.ClientName, "mx.example.net")
	for _, step := range []func() (*gomilter.Action, error){
		func() (*gomilter.Action, error) {
			return s.Conn(name, gomilter.FamilyInet, 25, def(env.ClientIP, "192.0.2.7"))
		},
		func() (*gomilter.Action, error) { return s.Helo(def(env.Helo, name)) },
		func() (*gomilter.Action, error) { return s.Mail(def(env.From, "sender@example.net"), "") },
		func() (*gomilter.Action, error) { return s.Rcpt(def(env.Rcpt, "user@example.com"), "") },
	} {
		if act, err := step(); err != nil || act != nil && act.StopProcessing() {
			t.Fatalf("envelope step: %v %+v", err, act)
		}
	}
	return s
}

// Finish sends DATA, the header fields (values without the leading blank)
// and the body, and returns the modifications and the final action; a
// step the milter answers with a final action ends it early (nil mods).
func Finish(t testing.TB, s *gomilter.ClientSession, hdrs [][2]string, body string) ([]gomilter.ModifyAction, *gomilter.Action) {
	t.Helper()
	steps := []func() (*gomilter.Action, error){s.DataStart}
	for _, h := range hdrs {
		steps = append(steps, func() (*gomilter.Action, error) { return s.HeaderField(h[0], " "+h[1], nil) })
	}
	steps = append(steps, s.HeaderEnd)
	for _, step := range steps {
		act, err := step()
		if err != nil {
			t.Fatal(err)
		}
		if act != nil && act.StopProcessing() {
			return nil, act
		}
	}
	if body == "" {
		// go-milter's client cannot end a message without a body chunk;
		// an empty chunk stands in for Postfix sending none.
		if _, err := s.BodyChunk(nil); err != nil {
			t.Fatal(err)
		}
		mods, act, err := s.End()
		if err != nil {
			t.Fatal(err)
		}
		return mods, act
	}
	mods, act, err := s.BodyReadFrom(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return mods, act
}

// Send runs one message through a fresh session with the default envelope.
func Send(t testing.TB, addr string, hdrs [][2]string, body string) ([]gomilter.ModifyAction, *gomilter.Action) {
	t.Helper()
	s := Open(t, addr, Envelope{})
	defer s.Close()
	return Finish(t, s, hdrs, body)
}
