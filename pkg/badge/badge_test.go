package badge

import (
	"encoding/xml"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// Every badge is well-formed XML whatever its text, and says what the runs say.
func TestRender(t *testing.T) {
	cases := []struct {
		name        string
		conclusions []string
		label       string
		want        string
	}{
		{"all passed", []string{"success", "success"}, "CI", "passing"},
		{"one workflow failed", []string{"success", "timed_out"}, "CI", "failing"},
		{"only cancelled", []string{"cancelled"}, "CI", "cancelled"},
		{"nothing ran", nil, "nightly", "no runs"},
		{"markup in the label", []string{"success"}, `</text><script>x</script>&"'`, "passing"},
		{"a very long label", []string{"failure"}, strings.Repeat("w", 300), "failing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svg := render(c.label, summarise(c.conclusions))
			dec := xml.NewDecoder(strings.NewReader(string(svg)))
			var texts []string
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("not well-formed XML: %v\n%s", err, svg)
				}
				if cd, ok := tok.(xml.CharData); ok {
					texts = append(texts, string(cd))
				}
			}
			if strings.Contains(string(svg), "<script") {
				t.Errorf("markup from the label reached the SVG: %s", svg)
			}
			joined := strings.Join(texts, "|")
			if !strings.Contains(joined, "|"+c.want) {
				t.Errorf("texts %q, want %q", joined, c.want)
			}
			if len(svg) > 2000 {
				t.Errorf("badge of %d bytes: the label was not cut", len(svg))
			}
		})
	}
}

// One client's burst is cut at its bucket; others still get through; tokens come back
// with time.
func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(1, 3, 100, func() time.Time { return now })
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	steps := []struct {
		name    string
		client  netip.Addr
		advance time.Duration
		want    bool
	}{
		{"first", a, 0, true}, {"second", a, 0, true}, {"third", a, 0, true},
		{"burst spent", a, 0, false},
		{"another client", b, 0, true},
		{"a second later", a, time.Second, true},
		{"spent again", a, 0, false},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if wait, ok := l.take(s.client); ok != s.want || (!ok && wait <= 0) {
			t.Errorf("%s: allowed %v (wait %s), want %v", s.name, ok, wait, s.want)
		}
	}
}
