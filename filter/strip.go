package filter

import "bytes"

// StripSpamFields returns raw without its X-Spam-* header fields (with their
// continuation lines), as the milter removes them before the rules run:
// `mailsift check` must see a message exactly as the milter's rules would.
// The body is untouched; raw is returned as is when there is nothing to drop.
func StripSpamFields(raw []byte) []byte {
	var out []byte
	dropping := false
	for i := 0; i < len(raw); {
		end := bytes.IndexByte(raw[i:], '\n')
		if end < 0 {
			end = len(raw)
		} else {
			end += i + 1
		}
		line := raw[i:end]
		if len(bytes.TrimRight(line, "\r\n")) == 0 { // end of the header section
			if out == nil {
				return raw
			}
			return append(out, raw[i:]...)
		}
		cont := line[0] == ' ' || line[0] == '\t'
		if !cont {
			dropping = len(line) > 7 && bytes.EqualFold(line[:7], []byte("X-Spam-"))
			if dropping && out == nil {
				out = append([]byte{}, raw[:i]...)
			}
		}
		if out != nil && !dropping {
			out = append(out, line...)
		}
		i = end
	}
	if out == nil {
		return raw
	}
	return out
}
