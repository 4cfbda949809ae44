package metrics_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/rs/zerolog"

	"github.com/mailsift/mailsift/bayes"
	"github.com/mailsift/mailsift/dnsbl"
	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
	"github.com/mailsift/mailsift/metrics"
	"github.com/mailsift/mailsift/policy"
	"github.com/mailsift/mailsift/scoring"
)

// samples flattens families into "name{k=v,...}" → value; histograms give
// name_count and name_sum.
func samples(fams map[string]*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			sort.Strings(labels)
			key := name
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[name+"_count"] = float64(m.GetHistogram().GetSampleCount())
				out[name+"_sum"] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return out
}

func gather(t *testing.T, m *metrics.Metrics) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*dto.MetricFamily{}
	for _, f := range fams {
		byName[f.GetName()] = f
	}
	return samples(byName)
}

func want(t *testing.T, got map[string]float64, key string, v float64) {
	t.Helper()
	g, ok := got[key]
	if !ok {
		t.Errorf("%s missing", key)
	} else if g != v {
		t.Errorf("%s = %v, want %v", key, g, v)
	}
}

func absent(t *testing.T, got map[string]float64, key string) {
	t.Helper()
	if _, ok := got[key]; ok {
		t.Errorf("%s present, want absent", key)
	}
}

func TestRecord(t *testing.T) {
	m := metrics.New(metrics.Sources{})
	m.SetRules([]string{"GTUBE", "HDR_DATE_FUTURE", "__HELPER"})
	m.SetRules([]string{"LOCAL_META"}) // a reload adds names and keeps the old ones
	v := &scoring.Verdict{Hits: []scoring.Hit{{Rule: "GTUBE"}, {Rule: "LOCAL_META"}, {Rule: "NOT_IN_REGISTRY"}}}
	for _, msg := range []metrics.Message{
		{Action: policy.Accept, Size: 2000, Elapsed: 3 * time.Millisecond, Verdict: &scoring.Verdict{}},
		{Action: policy.Tag, Size: 5000, Elapsed: 20 * time.Millisecond, Verdict: v},
		{Action: policy.Reject, Size: 5000, Elapsed: 20 * time.Millisecond, Verdict: v},
		{Action: policy.Tempfail, Reason: "deadline", Size: 100, Elapsed: 8 * time.Second},
		{Action: policy.Tempfail, Reason: "degraded:RCVD_IN_ZEN_FAIL", Size: 100, Elapsed: time.Second},
		{Action: policy.Accept, Reason: "panic in header: boom", Size: 100}, // fail_safe = accept
		{Action: policy.Tempfail, Reason: "overloaded: too many verdicts in flight"},
		{Action: policy.Tempfail, Reason: "something new"},
		{Action: policy.Reject, Reason: "malformed: too many distinct X-Spam-* header fields"},
	} {
		m.Record(msg)
	}
	got := gather(t, m)
	want(t, got, "mailsift_messages_total{action=accept}", 2)
	want(t, got, "mailsift_messages_total{action=tag}", 1)
	want(t, got, "mailsift_messages_total{action=reject}", 2)
	want(t, got, "mailsift_messages_total{action=tempfail}", 4)
	want(t, got, "mailsift_failsafe_total{reason=deadline}", 1)
	want(t, got, "mailsift_failsafe_total{reason=degraded}", 1)
	want(t, got, "mailsift_failsafe_total{reason=panic}", 1)
	want(t, got, "mailsift_failsafe_total{reason=overloaded}", 1)
	want(t, got, "mailsift_failsafe_total{reason=other}", 1)
	want(t, got, "mailsift_failsafe_total{reason=incomplete}", 0) // every reason exists from the start
	absent(t, got, "mailsift_failsafe_total{reason=malformed}")
	want(t, got, "mailsift_messages_malformed_total", 1)
	want(t, got, "mailsift_rule_hits_total{rule=GTUBE}", 2)
	want(t, got, "mailsift_rule_hits_total{rule=LOCAL_META}", 2)
	want(t, got, "mailsift_rule_hits_total{rule=HDR_DATE_FUTURE}", 0)
	absent(t, got, "mailsift_rule_hits_total{rule=NOT_IN_REGISTRY}")
	absent(t, got, "mailsift_rule_hits_total{rule=__HELPER}")
	want(t, got, "mailsift_verdict_seconds_count", 9)
	want(t, got, "mailsift_message_bytes_count", 9)
	want(t, got, "mailsift_message_bytes_sum", 12300)
	if s := got["mailsift_verdict_seconds_sum"]; s < 9.04 || s > 9.05 {
		t.Errorf("verdict seconds sum %v, want 9.043", s)
	}
	// The runtime collectors are there; the optional sources are not.
	if _, ok := got["go_goroutines"]; !ok {
		t.Error("no Go collector")
	}
	for k := range got {
		if strings.HasPrefix(k, "mailsift_dns") || strings.HasPrefix(k, "mailsift_sessions") ||
			strings.HasPrefix(k, "mailsift_bayes") {
			t.Errorf("%s without its source", k)
		}
	}
}

func TestFirstWord(t *testing.T) {
	for in, out := range map[string]string{"deadline": "deadline", "degraded:A,B": "degraded",
		"panic in header: x": "panic", "panic: x": "panic", "": ""} {
		if got := metrics.FirstWord(in); got != out {
			t.Errorf("FirstWord(%q) = %q, want %q", in, got, out)
		}
	}
}

type fakeResolver struct{}

func (fakeResolver) Stats() (int, uint64, uint64, int64) { return 7, 30, 12, 15 }

type fakeQueue struct{}

func (fakeQueue) Stats() bayes.QueueStats {
	return bayes.QueueStats{Learned: 5, AlreadyKnown: 1, Relearned: 2, Retried: 3, Dropped: 4, Failed: 6}
}
func (fakeQueue) Len() int { return 9 }

func TestScrapeTimeSources(t *testing.T) {
	var sessions int64 = 3
	ready := false
	m := metrics.New(metrics.Sources{
		Version: "v1.2.3", Sessions: func() int64 { return sessions }, Resolver: fakeResolver{},
		Autolearn: fakeQueue{}, BayesReady: func() bool { return ready },
	})
	got := gather(t, m)
	want(t, got, "mailsift_build_info{version=v1.2.3}", 1)
	want(t, got, "mailsift_sessions_active", 3)
	want(t, got, "mailsift_dns_cache_entries", 7)
	want(t, got, "mailsift_dns_cache_hits_total", 30)
	want(t, got, "mailsift_dns_cache_misses_total", 12)
	want(t, got, "mailsift_dns_queries_total", 15)
	want(t, got, "mailsift_bayes_autolearn_total{outcome=learned}", 5)
	want(t, got, "mailsift_bayes_autolearn_total{outcome=already_known}", 1)
	want(t, got, "mailsift_bayes_autolearn_total{outcome=relearned}", 2)
	want(t, got, "mailsift_bayes_autolearn_total{outcome=dropped}", 4)
	want(t, got, "mailsift_bayes_autolearn_total{outcome=failed}", 6)
	want(t, got, "mailsift_bayes_autolearn_retries_total", 3)
	want(t, got, "mailsift_bayes_autolearn_queue_length", 9)
	want(t, got, "mailsift_bayes_ready", 0)
	sessions, ready = 0, true
	got = gather(t, m)
	want(t, got, "mailsift_sessions_active", 0)
	want(t, got, "mailsift_bayes_ready", 1)
}

// TestZoneHealthFlips runs the real RFC 5782 probe against a loopback DNS
// server: a list that starts listing everything is disabled, and the
// gauge and the counter say so.
func TestZoneHealthFlips(t *testing.T) {
	s := dnsbltest.Start(t,
		"2.0.0.127.bl.test. 300 IN A 127.0.0.2",
		"2.0.0.127.other.test. 300 IN A 127.0.0.2",
	)
	// No cache: the second probe must see the new record, not the cached NXDOMAIN.
	r := dnsbl.NewResolver(dnsbl.Options{Servers: []string{s.Addr}, Timeout: time.Second, CacheSize: -1})
	zones := []dnsbl.Zone{
		{Name: "bl", Domain: "bl.test", Rule: "RCVD_IN_BL", Enabled: true},
		{Name: "other", Domain: "other.test", Rule: "RCVD_IN_OTHER", Enabled: true},
		{Name: "off", Domain: "off.test", Rule: "RCVD_IN_OFF"},
	}
	c, err := dnsbl.NewChecker(r, zones, dnsbl.CheckerOptions{Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(metrics.Sources{Resolver: r, Zones: c})
	got := gather(t, m)
	want(t, got, "mailsift_dnsbl_zone_healthy{zone=bl}", 1) // unprobed zones are used
	want(t, got, "mailsift_dnsbl_zone_disabled_total{zone=bl}", 0)
	absent(t, got, "mailsift_dnsbl_zone_healthy{zone=off}")

	ctx := context.Background()
	c.Probe(ctx)
	got = gather(t, m)
	want(t, got, "mailsift_dnsbl_zone_healthy{zone=bl}", 1)
	want(t, got, "mailsift_dnsbl_zone_healthy{zone=other}", 1)
	if q := got["mailsift_dns_queries_total"]; q < 4 {
		t.Errorf("dns_queries_total = %v after probing two zones, want >= 4", q)
	}

	// bl.test now lists 127.0.0.1 too: it lists everything.
	if err := s.Add("1.0.0.127.bl.test. 300 IN A 127.0.0.2"); err != nil {
		t.Fatal(err)
	}
	c.Probe(ctx)
	c.Probe(ctx) // still down: counted once
	got = gather(t, m)
	want(t, got, "mailsift_dnsbl_zone_healthy{zone=bl}", 0)
	want(t, got, "mailsift_dnsbl_zone_disabled_total{zone=bl}", 1)
	want(t, got, "mailsift_dnsbl_zone_healthy{zone=other}", 1)
	want(t, got, "mailsift_dnsbl_zone_disabled_total{zone=other}", 0)
}

// TestRecordWhileScraping records from many goroutines while scraping
// (run with -race).
func TestRecordWhileScraping(t *testing.T) {
	m := metrics.New(metrics.Sources{Sessions: func() int64 { return 1 }})
	m.SetRules([]string{"GTUBE"})
	v := &scoring.Verdict{Hits: []scoring.Hit{{Rule: "GTUBE"}}}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Go(func() {
			for j := 0; j < 500; j++ {
				m.Record(metrics.Message{Action: policy.Tag, Size: j, Verdict: v})
			}
		})
	}
	wg.Go(func() {
		for j := 0; j < 20; j++ {
			m.SetRules([]string{fmt.Sprintf("RULE_%d", j)})
			_, _ = m.Registry().Gather()
		}
	})
	wg.Wait()
	got := gather(t, m)
	want(t, got, "mailsift_messages_total{action=tag}", 4000)
	want(t, got, "mailsift_rule_hits_total{rule=GTUBE}", 4000)
}

func TestServe(t *testing.T) {
	m := metrics.New(metrics.Sources{})
	m.Record(metrics.Message{Action: policy.Accept})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := m.Serve(ln, "/metrics", zerolog.Nop())
	base := "http://" + ln.Addr().String()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scrape: %d %v", resp.StatusCode, err)
	}
	want(t, samples(fams), "mailsift_messages_total{action=accept}", 1)
	resp, err = http.Get(base + "/other")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/other: %d, want 404", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/metrics"); err == nil {
		t.Error("still serving after Shutdown")
	}
}

func BenchmarkRecord(b *testing.B) {
	m := metrics.New(metrics.Sources{})
	m.SetRules([]string{"GTUBE", "HTML_ONLY", "BODY_MONEY"})
	v := &scoring.Verdict{Hits: []scoring.Hit{{Rule: "GTUBE"}, {Rule: "HTML_ONLY"}, {Rule: "BODY_MONEY"}}}
	msg := metrics.Message{Action: policy.Tag, Size: 4000, Elapsed: 5 * time.Millisecond, Verdict: v}
	b.ReportAllocs()
	for b.Loop() {
		m.Record(msg)
	}
}
