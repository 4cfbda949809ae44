package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Goals of the issue, checked against the same run's no-op baseline.
const (
	GoalRatio    = 0.5                   // mailsift throughput / no-op throughput at GoalConc
	GoalConc     = 4                     // the concurrency the ratio is judged at
	GoalP99      = 20 * time.Millisecond // mailsift p99 latency at every concurrency
	GoalPeakRSS  = int64(100 << 20)      // mailsift server peak memory
	nsPerMs      = float64(time.Millisecond)
	bytesPerMiB  = float64(1 << 20)
	noRatioShown = "-"
)

// Summary condenses one load run.
type Summary struct {
	Server      string
	Concurrency int
	PerSession  int
	Messages    int
	Wall        time.Duration
	PerSecond   float64
	P50, P99    time.Duration
	Max         time.Duration
	Actions     map[string]int
	// ServerCPU and ClientCPU are CPU time per message of the server's and
	// the client's process; 0 when unknown (in-process servers).
	ServerCPU, ClientCPU time.Duration
}

// Summarize computes throughput and latency percentiles of r.
func Summarize(server string, l Load, r *Run) Summary {
	lat := slices.Clone(r.Latencies)
	slices.Sort(lat)
	s := Summary{
		Server: server, Concurrency: l.Concurrency, PerSession: l.PerSession,
		Messages: len(lat), Wall: r.Wall, Actions: r.Actions,
		P50: Percentile(lat, 0.50), P99: Percentile(lat, 0.99),
	}
	if len(lat) > 0 {
		s.Max = lat[len(lat)-1]
	}
	if r.Wall > 0 {
		s.PerSecond = float64(len(lat)) / r.Wall.Seconds()
	}
	return s
}

// Percentile returns the nearest-rank p-quantile (0 < p <= 1) of sorted.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Report is every summary of a run plus the servers' peak memory.
type Report struct {
	Runs     []Summary
	PeakRSS  map[string]int64 // server name → VmHWM bytes
	Baseline string           // the no-op server the ratio is taken against
	Subject  string           // the server judged against the goals
	Note     string           // how the servers ran, printed under the table
}

// find returns the summary for server at c and per, if any.
func (r *Report) find(server string, c, per int) (Summary, bool) {
	for _, s := range r.Runs {
		if s.Server == server && s.Concurrency == c && s.PerSession == per {
			return s, true
		}
	}
	return Summary{}, false
}

// Write prints the table: one row per run, with the subject's throughput
// as a fraction of the baseline's at the same concurrency and session mode.
func (r *Report) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\tconc\tmsgs/conn\tmsgs\tmsgs/s\tvs "+r.Baseline+
		"\tp50 ms\tp99 ms\tmax ms\tsrv cpu ms/msg\tcli cpu ms/msg\treplies\t")
	for _, s := range r.Runs {
		ratio := noRatioShown
		if b, ok := r.find(r.Baseline, s.Concurrency, s.PerSession); ok && b.PerSecond > 0 {
			ratio = fmt.Sprintf("%.1f%%", 100*s.PerSecond/b.PerSecond)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%s\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s\t\n", s.Server, s.Concurrency,
			s.PerSession, s.Messages, s.PerSecond, ratio, ms(s.P50), ms(s.P99), ms(s.Max),
			cpu(s.ServerCPU), cpu(s.ClientCPU), actions(s.Actions))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Note != "" {
		fmt.Fprintln(w, r.Note)
	}
	names := make([]string, 0, len(r.PeakRSS))
	for n := range r.PeakRSS {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "peak memory (VmHWM) %s: %.1f MiB\n", n, float64(r.PeakRSS[n])/bytesPerMiB)
	}
	for _, g := range r.Goals() {
		fmt.Fprintln(w, g)
	}
	return nil
}

// Goals returns one PASS/FAIL line per goal of the issue, judged on the
// subject's one-message-per-connection runs.
func (r *Report) Goals() []string {
	var out []string
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "FAIL"
	}
	s, okS := r.find(r.Subject, GoalConc, 1)
	b, okB := r.find(r.Baseline, GoalConc, 1)
	if okS && okB && b.PerSecond > 0 {
		ratio := s.PerSecond / b.PerSecond
		out = append(out, fmt.Sprintf("%s: throughput at concurrency %d is %.1f%% of %s (goal >= %.0f%%)",
			verdict(ratio >= GoalRatio), GoalConc, 100*ratio, r.Baseline, 100*GoalRatio))
	}
	if okS && okB && s.ServerCPU > 0 && b.ServerCPU > 0 {
		sc, bc := s.ServerCPU+s.ClientCPU, b.ServerCPU+b.ClientCPU
		out = append(out, fmt.Sprintf("INFO: CPU per message at concurrency %d, server + client: %s %.3f ms, %s %.3f ms;"+
			" when CPU-bound the throughput ratio tends to %.1f%%", GoalConc, r.Subject, ms(sc), r.Baseline, ms(bc),
			100*float64(bc)/float64(sc)))
	}
	for _, s := range r.Runs {
		if s.Server == r.Subject && s.PerSession == 1 {
			out = append(out, fmt.Sprintf("%s: p99 at concurrency %d is %.2f ms (goal < %.0f ms)",
				verdict(s.P99 < GoalP99), s.Concurrency, ms(s.P99), ms(GoalP99)))
		}
	}
	if rss, ok := r.PeakRSS[r.Subject]; ok {
		out = append(out, fmt.Sprintf("%s: peak memory %.1f MiB (goal < %.0f MiB)",
			verdict(rss < GoalPeakRSS), float64(rss)/bytesPerMiB, float64(GoalPeakRSS)/bytesPerMiB))
	} else {
		out = append(out, fmt.Sprintf("SKIP: peak memory of %s not measured on its own (in-process servers)", r.Subject))
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / nsPerMs }

// cpu renders a CPU time per message in ms, "-" when unknown.
func cpu(d time.Duration) string {
	if d <= 0 {
		return noRatioShown
	}
	return fmt.Sprintf("%.3f", ms(d))
}

// actions renders a reply tally as "accept=1400 reject=96", sorted.
func actions(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", strings.ReplaceAll(k, " ", "_"), v))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
