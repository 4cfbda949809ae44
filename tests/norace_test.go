//go:build !race

package tests

// raceFlag is empty: the tests run without the race detector.
var raceFlag []string
