package milter

import (
	"encoding/binary"
	"io"
	"sync"
)

// coalescer sits under the library's writes to one connection. go-milter
// writes every response as two socket writes, a 5-byte header (length and
// code) and then the data, and every message modification (each X-Spam-*
// field added, each forged one removed) as a response of its own. The MTA
// answers none of the modifications, so nothing is lost by holding them
// until the step's final response (accept, reject, continue, progress, ...)
// and sending everything in one write: an end of message with four header
// changes costs one system call instead of ten, on both sides. A write that
// does not follow the header-then-data pattern flushes what is held and
// passes straight through; so does a held total past maxHeld.
type coalescer struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	want int  // data bytes the held header announced; 0 between packets
	code byte // the code of the packet being completed
}

// maxHeld bounds the bytes held before they are written anyway.
const maxHeld = 64 << 10

// modification reports whether code is a message modification the MTA does
// not answer (SMFIR_ADDRCPT, DELRCPT, ADDRCPT_PAR, REPLBODY, CHGFROM,
// ADDHEADER, INSHEADER, CHGHEADER, QUARANTINE).
func modification(code byte) bool {
	switch code {
	case '+', '-', '2', 'b', 'e', 'h', 'i', 'm', 'q':
		return true
	}
	return false
}

func (c *coalescer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.want > 0 {
		if len(p) == c.want {
			c.buf = append(c.buf, p...)
			c.want = 0
			return len(p), c.done()
		}
		c.want = 0 // not the announced data: give up holding
	} else if len(p) == 5 {
		length := binary.BigEndian.Uint32(p)
		if length >= 1 && length-1 <= maxHeld {
			c.buf = append(c.buf, p...)
			c.code = p[4]
			if length == 1 {
				return len(p), c.done()
			}
			c.want = int(length - 1)
			return len(p), nil
		}
	}
	if err := c.flush(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// done ends a complete packet: held when it is a modification (and the
// total is small), else written with everything held before it.
func (c *coalescer) done() error {
	if modification(c.code) && len(c.buf) <= maxHeld {
		return nil
	}
	return c.flush()
}

func (c *coalescer) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.w.Write(c.buf)
	c.buf = c.buf[:0]
	if cap(c.buf) > maxHeld {
		c.buf = nil
	}
	return err
}
