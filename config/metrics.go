package config

import "strings"

// Metrics configures the Prometheus endpoint. It is read at start: the
// listener is opened once, before the first message, and kept across
// reloads.
type Metrics struct {
	Listen string `toml:"listen" doc:"TCP host:port of the HTTP endpoint serving Prometheus metrics (docs/metrics.md), such as 127.0.0.1:9339; empty serves none. Not authenticated: keep it on loopback or a private network." static:"true"`
	Path   string `toml:"path" doc:"URL path of the metrics; other paths answer 404." default:"/metrics" static:"true"`
}

func (m Metrics) validate(v *validator) {
	if m.Listen != "" {
		if strings.HasPrefix(m.Listen, "unix:") {
			v.add("metrics.listen", "%q: want host:port (a unix socket is not supported)", m.Listen)
		} else if err := checkHostPort(m.Listen); err != nil {
			v.add("metrics.listen", "%q: %v (want host:port)", m.Listen, err)
		}
	}
	if !strings.HasPrefix(m.Path, "/") || strings.ContainsAny(m.Path, " \t\r\n?#") {
		v.add("metrics.path", "%q: want an absolute URL path such as /metrics", m.Path)
	}
}
