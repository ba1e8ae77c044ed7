package webhook

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
)

// Sources is an allowlist of the addresses that may deliver webhooks: configured CIDRs,
// and GitHub's published hook ranges (the "hooks" list of its /meta API), which the
// reconciler refreshes into the store and the receiver loads from there (SetDynamic).
//
// Behind a proxy the peer is the proxy, so the client's address is taken from
// X-Forwarded-For, but only when the peer is a trusted proxy, and only the part of the
// header that trusted proxies wrote: reading from the right, the first address that is not
// a trusted proxy is the client. Anything left of it was written by the client and could
// say anything.
type Sources struct {
	static     []netip.Prefix
	trusted    []netip.Prefix
	useDynamic bool
	dynamic    atomic.Pointer[[]netip.Prefix]
}

// NewSources makes an allowlist. allow are the configured CIDRs; withGitHub adds GitHub's
// hook ranges once SetDynamic has loaded them (until then only allow applies: the list
// fails closed). trusted are the proxies whose X-Forwarded-For is believed.
func NewSources(allow, trusted []netip.Prefix, withGitHub bool) *Sources {
	s := &Sources{static: allow, trusted: trusted, useDynamic: withGitHub}
	s.dynamic.Store(&[]netip.Prefix{})
	return s
}

// SetDynamic replaces GitHub's hook ranges.
func (s *Sources) SetDynamic(p []netip.Prefix) { s.dynamic.Store(&p) }

// Dynamic returns GitHub's hook ranges as last loaded.
func (s *Sources) Dynamic() []netip.Prefix { return *s.dynamic.Load() }

// UsesGitHub reports whether GitHub's ranges are part of the list.
func (s *Sources) UsesGitHub() bool { return s.useDynamic }

// Allowed reports the client's address and whether it may deliver.
func (s *Sources) Allowed(r *http.Request) (netip.Addr, bool) {
	addr, ok := ClientAddr(r, s.trusted)
	if !ok {
		return addr, false
	}
	if contains(s.static, addr) {
		return addr, true
	}
	return addr, s.useDynamic && contains(*s.dynamic.Load(), addr)
}

// ClientAddr is the address of the request's client, with X-Forwarded-For believed only as
// far as trusted proxies wrote it. ok is false when no valid address can be found.
func ClientAddr(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, ok := peerAddr(r.RemoteAddr)
	if !ok || !contains(trusted, peer) {
		return peer, ok
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A trusted proxy never writes this; the client did. Refuse rather than guess.
			return netip.Addr{}, false
		}
		client = a.Unmap()
		if !contains(trusted, client) {
			return client, true
		}
	}
	return client, true
}

func peerAddr(remote string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func contains(list []netip.Prefix, a netip.Addr) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParsePrefixes parses a comma-separated list of CIDRs or single addresses.
func ParsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
