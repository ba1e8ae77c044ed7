package main

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Addr is a string flag holding a TCP listen address (host:port, host optional), checked
// at start, so that `-listen nonsense` fails before anything is started. With optional, an
// empty value turns the listener off.
func (c *config) Addr(p *string, name, env, def, usage string, optional bool) {
	c.String(p, name, env, def, usage)
	c.Check(func() error {
		if *p == "" && optional {
			return nil
		}
		return checkAddr(name, *p)
	})
}

// URL is a string flag holding an http or https URL with a host; with optional, it may be
// empty.
func (c *config) URL(p *string, name, env, def, usage string, optional bool) {
	c.String(p, name, env, def, usage)
	c.Check(func() error {
		if *p == "" && optional {
			return nil
		}
		return checkURL(name, *p)
	})
}

func checkAddr(name, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-%s %q: want HOST:PORT or :PORT, like 127.0.0.1:8080", name, addr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("-%s %q: the port must be a number from 0 to 65535", name, addr)
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		return fmt.Errorf("-%s %q: %q is neither an IP address nor a host name", name, addr, host)
	}
	return nil
}

func checkURL(name, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("-%s %q: not a URL", name, raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("-%s %q: want an http:// or https:// URL", name, raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("-%s %q: the URL names no host", name, raw)
	}
	if port := u.Port(); port != "" {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return fmt.Errorf("-%s %q: the port must be a number from 0 to 65535", name, raw)
		}
	}
	return nil
}

// validHostname accepts DNS names (letters, digits, hyphens and underscores, as container
// names have them, in dot-separated labels of 1 to 63 characters).
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}
