package bench

import (
	"reflect"
	"testing"
	"time"
)

func TestSplitHeader(t *testing.T) {
	raw := "Subject: hello\r\n  world\nX-Nul: a\x00b\nFrom:x@y\n\nbody\nline\n"
	fields, body := SplitHeader([]byte(raw))
	want := []Field{{"Subject", " hello\n  world"}, {"X-Nul", " a b"}, {"From", "x@y"}}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("fields = %q, want %q", fields, want)
	}
	if string(body) != "body\nline\n" {
		t.Errorf("body = %q", body)
	}
}

func TestSplitHeaderEndsAtNonField(t *testing.T) {
	fields, body := SplitHeader([]byte("To: a@b\nnot a header line\nmore\n"))
	if len(fields) != 1 || fields[0].Name != "To" {
		t.Errorf("fields = %q", fields)
	}
	if string(body) != "not a header line\nmore\n" {
		t.Errorf("body = %q", body)
	}
	fields, body = SplitHeader([]byte("Subject: no body"))
	if len(fields) != 1 || fields[0].Value != " no body" || body != nil {
		t.Errorf("headers only: %q %q", fields, body)
	}
}

func TestPrepare(t *testing.T) {
	m := Prepare("x", []byte("Return-Path: <s@example.com>\nFrom: f@example.net\n\na\nb\r\nc"))
	if m.MailFrom != "<s@example.com>" {
		t.Errorf("MailFrom = %q", m.MailFrom)
	}
	if string(m.Body) != "a\r\nb\r\nc" {
		t.Errorf("Body = %q", m.Body)
	}
	if m := Prepare("y", []byte("From: f\n\n")); m.MailFrom != "<bench@example.org>" {
		t.Errorf("default MailFrom = %q", m.MailFrom)
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0.5, 50}, {0.99, 99}, {1, 100}, {0.001, 1}} {
		if got := Percentile(d, c.p); got != c.want {
			t.Errorf("Percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if Percentile(nil, 0.5) != 0 {
		t.Error("empty input")
	}
}

// TestLoadNoop drives the in-process no-op milter, bare and guarded, and
// checks every message got its own latency and an accept.
func TestLoadNoop(t *testing.T) {
	big := make([]byte, 3*ChunkSize+10) // several body chunks
	for i := range big {
		big[i] = 'a' + byte(i%26)
		if i%70 == 69 {
			big[i] = '\n'
		}
	}
	msgs := []Message{
		Prepare("a", []byte("Subject: one\n\nbody\n")),
		Prepare("b", []byte("Subject: two\n\n")),
		Prepare("c", append([]byte("Subject: three\nTo: x@y\n\n"), big...)),
	}
	for _, guard := range []bool{false, true} {
		s, err := StartNoop("noop", guard)
		if err != nil {
			t.Fatal(err)
		}
		for _, per := range []int{1, 2} {
			r, err := Load{Addr: s.Addr, Concurrency: 2, PerSession: per}.Run(msgs)
			if err != nil {
				t.Fatalf("guard=%v per=%d: %v", guard, per, err)
			}
			if len(r.Latencies) != len(msgs) || r.Actions["accept"] != len(msgs) {
				t.Errorf("guard=%v per=%d: %d latencies, replies %v", guard, per, len(r.Latencies), r.Actions)
			}
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
}
