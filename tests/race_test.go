//go:build race

package tests

// raceFlag builds mailsift with the race detector when the tests run with it.
var raceFlag = []string{"-race"}
