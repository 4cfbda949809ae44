// Package bench measures the milter end to end: throughput (messages per
// second) and latency of the real mailsift server against a no-op milter
// that accepts everything, both driven by go-milter's client over loopback
// with the corpus's test split, at several concurrencies, in the same run.
//
// The measurement lives in bench_test.go (`make bench`); this package holds
// the parts it is built from: the corpus loaded as milter traffic
// (corpus.go), the load generator (client.go), the servers under test
// (servers.go) and the summary table (stats.go). docs/bench.md explains how
// to run and read it.
package bench
