// Package tests holds mailsift's end-to-end tests: the real binary behind a
// real, private Postfix, driven with swaks. The messages are in cases/.
// They need root, postfix and swaks; they skip without them, and fail
// instead when the environment variable CI is set. Run them uncached:
//
//	go test -count=1 ./tests/
package tests
