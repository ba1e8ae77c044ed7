package webhook

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func mustPrefixes(t *testing.T, s string) []netip.Prefix {
	t.Helper()
	p, err := ParsePrefixes(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSources(t *testing.T) {
	allow := mustPrefixes(t, "203.0.113.0/24, 2001:db8::/32")
	trusted := mustPrefixes(t, "10.0.0.0/8, 127.0.0.1")
	github := mustPrefixes(t, "192.30.252.0/22")
	cases := []struct {
		name       string
		remote     string
		xff        []string
		withGitHub bool
		loaded     bool // GitHub's ranges have been loaded
		wantAddr   string
		want       bool
	}{
		{name: "allowed peer", remote: "203.0.113.9:5000", wantAddr: "203.0.113.9", want: true},
		{name: "other peer", remote: "198.51.100.1:5000", wantAddr: "198.51.100.1"},
		{name: "IPv6 peer", remote: "[2001:db8::1]:443", wantAddr: "2001:db8::1", want: true},
		{name: "IPv4-mapped peer", remote: "[::ffff:203.0.113.9]:443", wantAddr: "203.0.113.9", want: true},
		{name: "forwarded-for ignored from an untrusted peer", remote: "198.51.100.1:1", xff: []string{"203.0.113.9"}, wantAddr: "198.51.100.1"},
		{name: "client behind a trusted proxy", remote: "10.1.2.3:1", xff: []string{"203.0.113.9"}, wantAddr: "203.0.113.9", want: true},
		{name: "spoofed left part is not believed", remote: "10.1.2.3:1", xff: []string{"203.0.113.9, 198.51.100.7"}, wantAddr: "198.51.100.7"},
		{name: "chain of trusted proxies", remote: "127.0.0.1:1", xff: []string{"203.0.113.9, 10.0.0.5", "10.9.9.9"}, wantAddr: "203.0.113.9", want: true},
		{name: "garbage in the trusted part", remote: "10.1.2.3:1", xff: []string{"203.0.113.9, nonsense"}},
		{name: "only trusted hops: the leftmost", remote: "10.1.2.3:1", xff: []string{"10.0.0.1"}, wantAddr: "10.0.0.1"},
		{name: "GitHub range, not loaded yet: closed", remote: "192.30.252.10:1", withGitHub: true, wantAddr: "192.30.252.10"},
		{name: "GitHub range loaded", remote: "192.30.252.10:1", withGitHub: true, loaded: true, wantAddr: "192.30.252.10", want: true},
		{name: "GitHub range not asked for", remote: "192.30.252.10:1", loaded: true, wantAddr: "192.30.252.10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewSources(allow, trusted, c.withGitHub)
			if c.loaded {
				s.SetDynamic(github)
			}
			r := httptest.NewRequest("POST", "/webhook", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			addr, ok := s.Allowed(r)
			if ok != c.want {
				t.Errorf("allowed = %v, want %v", ok, c.want)
			}
			if c.wantAddr != "" && addr.String() != c.wantAddr {
				t.Errorf("client address %s, want %s", addr, c.wantAddr)
			}
		})
	}
}

func TestParsePrefixes(t *testing.T) {
	cases := []struct {
		name, in string
		want     int
		wantErr  bool
	}{
		{name: "empty", in: "", want: 0},
		{name: "CIDRs and addresses", in: "10.0.0.0/8, 192.0.2.1,2001:db8::/48", want: 3},
		{name: "not an address", in: "10.0.0.0/8,example.com", wantErr: true},
		{name: "bad mask", in: "10.0.0.0/33", wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParsePrefixes(c.in)
			if (err != nil) != c.wantErr || len(got) != c.want {
				t.Fatalf("got %v, %v; want %d prefixes, error %v", got, err, c.want, c.wantErr)
			}
		})
	}
}
