package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/mailsift/mailsift/internal/testutil/miltertest"
	"github.com/mailsift/mailsift/scoring/rules/gtube"
)

// lockedBuffer is a bytes.Buffer the daemon's loggers and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeAddr returns a loopback address nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// daemonConfig is a configuration for a test daemon: loopback only, no DNS
// at all (never the machine's resolver), state in a temporary directory.
func daemonConfig(milterAddr, metricsAddr, dir string) string {
	return fmt.Sprintf("[listen]\naddress = %q\n\n[store]\npath = %q\n\n[dns]\nenabled = false\n\n"+
		"[metrics]\nlisten = %q\n", milterAddr, filepath.Join(dir, "mailsift.db"), metricsAddr)
}

type testDaemon struct {
	sig            chan os.Signal
	done           chan int
	stdout, stderr *lockedBuffer
}

// startDaemon runs `mailsift serve --config path` with a signal channel
// of its own.
func startDaemon(t *testing.T, path string) *testDaemon {
	t.Helper()
	d := &testDaemon{sig: make(chan os.Signal), done: make(chan int, 1), stdout: &lockedBuffer{}, stderr: &lockedBuffer{}}
	go func() { d.done <- serve([]string{"--config", path}, d.stdout, d.stderr, d.sig) }()
	t.Cleanup(func() {
		select {
		case d.sig <- syscall.SIGTERM:
			<-d.done
		case <-d.done:
		}
	})
	return d
}

// scrape fetches and parses the exposition at url.
func scrape(url string) (map[string]*dto.MetricFamily, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// awaitScrape scrapes url until the endpoint answers.
func awaitScrape(t *testing.T, d *testDaemon, url string) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		fams, err := scrape(url)
		if err == nil {
			return fams
		}
		select {
		case code := <-d.done:
			t.Fatalf("daemon exited with %d before serving metrics: %s", code, d.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no metrics at %s: %v\n%s", url, err, d.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// value returns the value of the sample of family name whose labels
// include labels ("k", "v", ...); -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || l.GetName() == labels[i] && l.GetValue() == labels[i+1]
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

// sendMessage runs one message through the milter at addr like Postfix.
func sendMessage(t *testing.T, addr, subject, body string) *gomilter.Action {
	t.Helper()
	_, act := miltertest.Send(t, addr, [][2]string{{"From", "Alice <alice@example.net>"}, {"To", "Bob <user@example.com>"},
		{"Subject", subject}, {"Date", time.Now().UTC().Format(time.RFC1123Z)}, {"Message-ID", "<m.1@example.net>"}}, body)
	return act
}

// TestServeMetrics starts the real daemon with [metrics] listen, sends a
// ham and a spam message through the milter and reads the counts back
// from the HTTP endpoint; a reload keeps the running listener, and
// SIGTERM stops the endpoint.
func TestServeMetrics(t *testing.T) {
	dir := t.TempDir()
	milterAddr, metricsAddr := freeAddr(t), freeAddr(t)
	path := filepath.Join(dir, "mailsift.toml")
	if err := os.WriteFile(path, []byte(daemonConfig(milterAddr, metricsAddr, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, path)
	url := "http://" + metricsAddr + "/metrics"
	fams := awaitScrape(t, d, url)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"mailsift_messages_total", []string{"action", "accept"}, 0},
		{"mailsift_failsafe_total", []string{"reason", "deadline"}, 0},
		{"mailsift_rule_hits_total", []string{"rule", "GTUBE"}, 0},
		{"mailsift_sessions_active", nil, 0},
		{"mailsift_bayes_ready", nil, 0},
		{"mailsift_bayes_autolearn_queue_length", nil, 0},
		{"mailsift_build_info", []string{"version", version}, 1},
	} {
		if got := value(fams, c.name, c.labels...); got != c.want {
			t.Errorf("before mail: %s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if fams["mailsift_dns_queries_total"] != nil || fams["go_goroutines"] == nil {
		t.Error("want no DNS families (dns.enabled = false) and the Go collector")
	}

	if act := sendMessage(t, milterAddr, "lunch", "See you at noon.\r\n"); act.Type != gomilter.ActionAccept {
		t.Fatalf("ham: %+v", act)
	}
	if act := sendMessage(t, milterAddr, "offer", gtube.String+"\r\n"); act.Type != gomilter.ActionRejectWithCode {
		t.Fatalf("GTUBE: %+v", act)
	}
	fams, err := scrape(url)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"mailsift_messages_total", []string{"action", "accept"}, 1},
		{"mailsift_messages_total", []string{"action", "reject"}, 1},
		{"mailsift_messages_total", []string{"action", "tempfail"}, 0},
		{"mailsift_rule_hits_total", []string{"rule", "GTUBE"}, 1},
		{"mailsift_verdict_seconds", nil, 2},
		{"mailsift_message_bytes", nil, 2},
	} {
		if got := value(fams, c.name, c.labels...); got != c.want {
			t.Errorf("after mail: %s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	// [metrics] is static: a reload that moves it keeps the running endpoint.
	moved := freeAddr(t)
	if err := os.WriteFile(path, []byte(daemonConfig(milterAddr, moved, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	d.sig <- syscall.SIGHUP
	d.sig <- syscall.SIGHUP // handled after the first reload finished
	if log := d.stderr.String(); !strings.Contains(log, "metrics.listen") || !strings.Contains(log, "next restart") {
		t.Errorf("reload did not report metrics.listen as needing a restart:\n%s", log)
	}
	if _, err := scrape(url); err != nil {
		t.Errorf("endpoint gone after reload: %v", err)
	}
	if _, err := scrape("http://" + moved + "/metrics"); err == nil {
		t.Error("reload opened the new metrics address")
	}

	d.sig <- syscall.SIGTERM
	if code := <-d.done; code != 0 {
		t.Fatalf("exit %d: %s", code, d.stderr.String())
	}
	d.done <- 0 // for the cleanup
	if _, err := scrape(url); err == nil {
		t.Error("metrics still served after SIGTERM")
	}
}

// TestServeMetricsAddressInUse: failing to bind the metrics address is a
// startup error naming the key, and the milter socket is released.
func TestServeMetricsAddressInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	milterAddr := freeAddr(t)
	path := writeFile(t, "mailsift.toml", daemonConfig(milterAddr, busy.Addr().String(), dir))
	var stdout, stderr lockedBuffer
	if code := serve([]string{"--config", path}, &stdout, &stderr, make(chan os.Signal)); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if log := stderr.String(); !strings.Contains(log, "metrics.listen") || !strings.Contains(log, busy.Addr().String()) {
		t.Errorf("error does not name metrics.listen and the address: %s", log)
	}
	ln, err := net.Listen("tcp", milterAddr)
	if err != nil {
		t.Fatalf("milter address not released: %v", err)
	}
	ln.Close()
}
