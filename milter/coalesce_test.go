package milter

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"
	"time"
)

// recorder keeps each write it gets.
type recorder struct{ writes [][]byte }

func (r *recorder) Write(p []byte) (int, error) {
	r.writes = append(r.writes, append([]byte(nil), p...))
	return len(p), nil
}

// packet writes one response the way go-milter does: header, then data.
func packet(t *testing.T, c *coalescer, code byte, data string) []byte {
	t.Helper()
	hdr := make([]byte, 5)
	binary.BigEndian.PutUint32(hdr, uint32(len(data)+1))
	hdr[4] = code
	if n, err := c.Write(hdr); n != 5 || err != nil {
		t.Fatalf("header write: %d %v", n, err)
	}
	if data != "" {
		if n, err := c.Write([]byte(data)); n != len(data) || err != nil {
			t.Fatalf("data write: %d %v", n, err)
		}
	}
	return append(hdr, data...)
}

func TestCoalescerHoldsModifications(t *testing.T) {
	var r recorder
	c := &coalescer{w: &r}
	var want []byte
	want = append(want, packet(t, c, 'h', "X-Spam-Score\x001.0\x00")...)
	want = append(want, packet(t, c, 'm', "\x00\x00\x00\x01Subject\x00[SPAM] x\x00")...)
	if len(r.writes) != 0 {
		t.Fatalf("modifications written before the final response: %q", r.writes)
	}
	want = append(want, packet(t, c, 'a', "")...)
	if len(r.writes) != 1 || !bytes.Equal(r.writes[0], want) {
		t.Fatalf("writes %q, want one write %q", r.writes, want)
	}

	// Progress and other answers go out at once, with their data in the same write.
	r.writes = nil
	p := packet(t, c, 'p', "")
	y := packet(t, c, 'y', "451 4.7.1 later\x00")
	if len(r.writes) != 2 || !bytes.Equal(r.writes[0], p) || !bytes.Equal(r.writes[1], y) {
		t.Fatalf("writes %q", r.writes)
	}
}

// Writes that do not follow the header-then-data pattern flush what is
// held and pass through unchanged, in order.
func TestCoalescerPassesOtherWrites(t *testing.T) {
	var r recorder
	c := &coalescer{w: &r}
	h := packet(t, c, 'h', "A\x00b\x00")
	if _, err := c.Write([]byte("raw bytes")); err != nil {
		t.Fatal(err)
	}
	if len(r.writes) != 2 || !bytes.Equal(r.writes[0], h) || string(r.writes[1]) != "raw bytes" {
		t.Fatalf("writes %q", r.writes)
	}
	// A header whose data does not come as announced.
	r.writes = nil
	hdr := []byte{0, 0, 0, 10, 'h'}
	if _, err := c.Write(hdr); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("short")); err != nil {
		t.Fatal(err)
	}
	if len(r.writes) != 2 || !bytes.Equal(r.writes[0], hdr) || string(r.writes[1]) != "short" {
		t.Fatalf("writes %q", r.writes)
	}
}

// Closing a connection never waits for a write stuck on the socket.
func TestCloseDoesNotWaitForStuckWrite(t *testing.T) {
	c1, c2 := net.Pipe()
	defer c2.Close()
	g := newGuardConn(c1, Guard(nil, GuardOptions{}))
	go func() { _, _ = g.Write([]byte{0, 0, 0, 1, 'a'}) }() // nobody reads c2
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() { _ = g.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close waited for a stuck write")
	}
}
