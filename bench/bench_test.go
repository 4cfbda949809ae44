package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailsift/mailsift/config"
	"github.com/mailsift/mailsift/dnsbl/dnsbltest"
	"github.com/mailsift/mailsift/filter"
	"github.com/mailsift/mailsift/internal/corpus"
	"github.com/mailsift/mailsift/message"
)

// Environment knobs of BenchmarkMilter.
const (
	envInProcess = "MAILSIFT_BENCH_INPROC" // "1": run every server in this process
	envBinary    = "MAILSIFT_BENCH_BIN"    // a prebuilt mailsift binary to serve with
	envRounds    = "MAILSIFT_BENCH_ROUNDS" // runs per configuration; the best is reported (default 1)
)

var (
	concurrencies = []int{1, 4, 16}
	perSession    = []int{1, 10} // messages per milter connection
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(NoopEnv); mode != "" {
		os.Exit(NoopChild(mode))
	}
	os.Exit(m.Run())
}

var (
	loadOnce sync.Once
	loaded   []Message
	loadErr  error
)

// testSplit returns the corpus's test split in memory, or skips.
func testSplit(tb testing.TB) []Message {
	tb.Helper()
	loadOnce.Do(func() { loaded, loadErr = LoadTest(corpus.Dir()) })
	if loadErr != nil {
		// Printed as well: go test shows a skipped benchmark's reason only with -v.
		msg := fmt.Sprintf("corpus not available (run `make corpus`): %v", loadErr)
		fmt.Fprintln(os.Stderr, "bench: skipped:", msg)
		tb.Skip(msg)
	}
	return loaded
}

// BenchmarkMilter measures throughput and latency of mailsift beside no-op
// milters over loopback and prints the table with the goals.
func BenchmarkMilter(b *testing.B) {
	msgs := testSplit(b)
	servers, note := startServers(b)
	rep := &Report{Baseline: "noop", Subject: "mailsift", PeakRSS: map[string]int64{}, Note: note}
	for _, s := range servers {
		if _, err := (Load{Addr: s.Addr, Concurrency: 4, PerSession: 1}).Run(msgs); err != nil {
			b.Fatalf("warm-up of %s: %v", s.Name, err)
		}
	}
	for _, per := range perSession {
		for _, c := range concurrencies {
			for _, s := range servers {
				b.Run(fmt.Sprintf("conn%d/c%d/%s", per, c, s.Name), func(b *testing.B) {
					rep.Runs = append(rep.Runs, measure(b, s, msgs, Load{Addr: s.Addr, Concurrency: c, PerSession: per}))
				})
			}
		}
	}
	recordPeaks(b, rep, servers)
	fmt.Println()
	if err := rep.Write(os.Stdout); err != nil {
		b.Fatal(err)
	}
	for _, s := range servers {
		title := map[string]string{
			"mailsift+bayes": "with Bayes trained on the train split",                    // issue 4
			"mailsift+dns":   "with every DNS check on, a loopback DNS server answering", // issue 5
		}[s.Name]
		if title != "" { // the same goals for the variant
			variant := *rep
			variant.Subject = s.Name
			fmt.Println("\n" + title + ":")
			for _, g := range variant.Goals() {
				fmt.Println(g)
			}
		}
	}
}

// recordPeaks puts each child server's VmHWM and this process's into rep;
// with in-process servers only the process's, which holds them all.
func recordPeaks(b *testing.B, rep *Report, servers []*Server) {
	own, err := PeakRSS(os.Getpid())
	if err != nil {
		b.Logf("peak memory: %v", err)
		return
	}
	if !servers[0].Child() {
		rep.PeakRSS["benchmark process (client and all servers)"] = own
		return
	}
	rep.PeakRSS["client (benchmark process)"] = own
	for _, s := range servers {
		rss, err := s.PeakRSS()
		if err != nil {
			b.Logf("peak memory of %s: %v", s.Name, err)
			continue
		}
		rep.PeakRSS[s.Name] = rss
	}
}

// measure runs l rounds times and reports the round with the highest
// throughput (the one least disturbed on a shared machine).
func measure(b *testing.B, s *Server, msgs []Message, l Load) Summary {
	var best Summary
	for i := 0; i < b.N*rounds(b); i++ {
		srv0, srvErr := s.CPUTime()
		cli0, cliErr := CPUTime(os.Getpid())
		r, err := l.Run(msgs)
		if err != nil {
			b.Fatalf("%s: %v", s.Name, err)
		}
		sum := Summarize(s.Name, l, r)
		if srv1, err := s.CPUTime(); err == nil && srvErr == nil {
			sum.ServerCPU = (srv1 - srv0) / time.Duration(len(msgs))
			if cli1, err := CPUTime(os.Getpid()); err == nil && cliErr == nil {
				sum.ClientCPU = (cli1 - cli0) / time.Duration(len(msgs))
			}
		}
		if sum.PerSecond > best.PerSecond {
			best = sum
		}
	}
	b.ReportMetric(best.PerSecond, "msgs/s")
	b.ReportMetric(ms(best.P50), "p50-ms")
	b.ReportMetric(ms(best.P99), "p99-ms")
	b.ReportMetric(ms(best.Max), "max-ms")
	if best.ServerCPU > 0 {
		b.ReportMetric(ms(best.ServerCPU), "srv-cpu-ms/msg")
	}
	return best
}

// rounds returns envRounds, default 1.
func rounds(b *testing.B) int {
	v := os.Getenv(envRounds)
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", envRounds, v)
	}
	return n
}

// startServers starts the bare no-op, the guarded no-op and mailsift, each
// in its own process unless envInProcess is set or mailsift cannot be built.
func startServers(b *testing.B) ([]*Server, string) {
	var servers []*Server
	b.Cleanup(func() {
		for _, s := range servers {
			if err := s.Close(); err != nil {
				b.Logf("stopping %s: %v", s.Name, err)
			}
		}
	})
	add := func(s *Server, err error) {
		if err != nil {
			b.Fatal(err)
		}
		servers = append(servers, s)
	}
	bin, err := mailsiftBinary(b)
	if err != nil {
		b.Logf("running the servers in-process: %v", err)
		add(StartNoop("noop", false))
		add(StartNoop("noop+guard", true))
		add(StartMailsift("mailsift"))
		return servers, "servers in the benchmark process: peak memory is client and all servers together"
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	add(StartNoopChild("noop", self, false))
	add(StartNoopChild("noop+guard", self, true))
	add(StartMailsiftChild("mailsift", bin, b.TempDir()))
	dir := b.TempDir()
	if err := TrainBayes(bin, dir); err != nil {
		b.Logf("mailsift+bayes skipped: %v", err)
	} else {
		add(StartMailsiftChild("mailsift+bayes", bin, dir))
	}
	dnsDir := b.TempDir()
	srv := dnsbltest.Start(b, DNSRecords...)
	cfg, err := DNSConfig(dnsDir, srv.Addr, "8s", "1s")
	if err != nil {
		b.Fatal(err)
	}
	add(StartMailsiftConfig("mailsift+dns", bin, dnsDir, cfg))
	return servers, "each server in its own process (mailsift: the real binary, `mailsift serve`, built-in configuration; " +
		"mailsift+bayes: the same with Bayes trained on the train split, autolearning on; " +
		"mailsift+dns: every DNS check on against a DNS server on loopback)"
}

// mailsiftBinary returns the binary to serve with: envBinary, or a fresh
// build of ./cmd/mailsift; an error means "run in-process".
func mailsiftBinary(b *testing.B) (string, error) {
	if os.Getenv(envInProcess) == "1" {
		return "", fmt.Errorf("%s=1", envInProcess)
	}
	if bin := os.Getenv(envBinary); bin != "" {
		return bin, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return BuildMailsift(ctx, b.TempDir())
}

// BenchmarkPipeline measures filter.Runtime.Evaluate alone (parse, score,
// decide) over the test split, without the socket: one op is one pass.
func BenchmarkPipeline(b *testing.B) {
	msgs := testSplit(b)
	rt, err := filter.New(config.Default(), filter.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	env := &message.Envelope{
		ClientIP: netip.MustParseAddr("192.0.2.10"), ClientName: "mail.client.test", Helo: "mail.client.test",
		Rcpts: []string{"user@bench.test"},
	}
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0, cpuErr := CPUTime(os.Getpid())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range msgs {
			env.MailFrom = strings.Trim(msgs[j].MailFrom, "<>")
			if res := rt.Evaluate(ctx, env, msgs[j].Raw); res.Verdict == nil {
				b.Fatal("no verdict")
			}
		}
	}
	b.StopTimer()
	cpu1, err := CPUTime(os.Getpid())
	runtime.ReadMemStats(&after)
	n := float64(b.N * len(msgs))
	if err == nil && cpuErr == nil {
		// CPU time resists the machine's load better than wall time.
		b.ReportMetric(float64(cpu1-cpu0)/n, "cpu-ns/msg")
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/msg")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/msg")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "B/msg")
}

// Environment knob of BenchmarkDNSDown.
const envDownMsgs = "MAILSIFT_BENCH_DOWN_MSGS" // messages sent (default 200)

// BenchmarkDNSDown runs mailsift with every DNS check on against a resolver
// that drops every packet, at concurrency 4, with a 2 s deadline and 500 ms
// per query: every message must get an answer, p99 latency must stay within
// the deadline, and the replies show how many were tempfailed (the
// degraded fail-safe, reason in the message log).
func BenchmarkDNSDown(b *testing.B) {
	msgs := testSplit(b)
	n := 200
	if v := os.Getenv(envDownMsgs); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive number", envDownMsgs, v)
		}
	}
	msgs = msgs[:min(n, len(msgs))]
	bin, err := mailsiftBinary(b)
	if err != nil {
		b.Skipf("needs the mailsift binary: %v", err)
	}
	hole, err := StartBlackHole()
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	const deadline = 2 * time.Second
	cfg, err := DNSConfig(dir, hole.Addr, deadline.String(), "500ms")
	if err != nil {
		b.Fatal(err)
	}
	s, err := StartMailsiftConfig("mailsift+dns-down", bin, dir, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			b.Logf("stopping: %v", err)
		}
		swallowed, err := hole.Close()
		fmt.Printf("dead resolver swallowed %d packets (%v)\n", swallowed, err)
	}()
	sum := measure(b, s, msgs, Load{Addr: s.Addr, Concurrency: 4, PerSession: 1})
	answered := 0
	for _, c := range sum.Actions {
		answered += c
	}
	fmt.Printf("\nDNS dropping every packet, deadline %v: %d messages, %d answered, p50 %.0f ms, p99 %.0f ms, max %.0f ms, replies %v\n",
		deadline, len(msgs), answered, ms(sum.P50), ms(sum.P99), ms(sum.Max), sum.Actions)
	fmt.Printf("p99 <= deadline: %v; zero lost: %v; fail-safe reasons: %v\n",
		sum.P99 <= deadline, answered == len(msgs), reasons(b, filepath.Join(dir, "messages.log")))
}

// reasons counts the reason fields of a message log by their first word
// ("degraded", "deadline", ...).
func reasons(b *testing.B, path string) map[string]int {
	src, err := os.ReadFile(path)
	if err != nil {
		b.Logf("message log: %v", err)
		return nil
	}
	out := map[string]int{}
	for _, line := range strings.Split(string(src), "\n") {
		var rec struct {
			Reason string `json:"reason"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Reason == "" {
			continue
		}
		out[rec.Reason]++
	}
	return out
}
