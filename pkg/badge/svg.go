package badge

import (
	"bytes"
	"fmt"
	"html"
	"unicode/utf8"

	"github.com/ciradar/ciradar/pkg/store"
)

// Colours of the right half, as shields.io draws them.
const (
	green = "#2ea44f"
	red   = "#cb2431"
	grey  = "#9f9f9f"
	amber = "#dbab09"
)

// summary is the right half of a badge.
type summary struct{ text, color string }

// failed are the conclusions a badge calls failing.
var failed = map[string]bool{"failure": true, "timed_out": true, "startup_failure": true}

// summarise folds each workflow's latest conclusion into one word: failing when any
// failed, passing when all that ran passed, otherwise what the newest one says.
func summarise(conclusions []string) summary {
	if len(conclusions) == 0 {
		return summary{"no runs", grey}
	}
	passed := false
	for _, c := range conclusions {
		switch {
		case failed[c]:
			return summary{"failing", red}
		case c == "success":
			passed = true
		}
	}
	if passed {
		return summary{"passing", green}
	}
	switch c := conclusions[0]; c {
	case "cancelled", "skipped", "neutral", "stale":
		return summary{c, grey}
	case "action_required":
		return summary{"action required", amber}
	}
	return summary{"unknown", grey}
}

// maxLabel keeps a long workflow name from making a banner.
const maxLabel = 40

// label is the left half: the workflow's name when one was asked for, "nightly" for the
// scheduled runs, else "CI".
func label(q store.BadgeQuery) string {
	switch {
	case q.Workflow != "":
		return q.Workflow
	case q.Event == "schedule":
		return "nightly"
	}
	return "CI"
}

// width estimates text width in pixels at 11px Verdana, the badges' usual font: about 7
// for a wide letter and 6.5 on average, plus padding. A close guess is enough; textLength
// makes the renderer fit the text to it.
func width(s string) int { return 10 + utf8.RuneCountInString(s)*7 }

// render writes the badge. Every text goes through html.EscapeString, for the SVG is XML
// and a workflow name is anyone's text.
func render(left string, right summary) []byte {
	if utf8.RuneCountInString(left) > maxLabel {
		left = string([]rune(left)[:maxLabel-1]) + "…"
	}
	lw, rw := width(left), width(right.text)
	l, r := html.EscapeString(left), html.EscapeString(right.text)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s: %s">`, lw+rw, l, r)
	fmt.Fprintf(&b, `<title>%s: %s</title>`, l, r)
	b.WriteString(`<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>`)
	fmt.Fprintf(&b, `<clipPath id="r"><rect width="%d" height="20" rx="3" fill="#fff"/></clipPath>`, lw+rw)
	fmt.Fprintf(&b, `<g clip-path="url(#r)"><rect width="%d" height="20" fill="#555"/><rect x="%d" width="%d" height="20" fill="%s"/><rect width="%d" height="20" fill="url(#s)"/></g>`,
		lw, lw, rw, right.color, lw+rw)
	b.WriteString(`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`)
	fmt.Fprintf(&b, `<text x="%d" y="14" textLength="%d">%s</text>`, lw/2, lw-10, l)
	fmt.Fprintf(&b, `<text x="%d" y="14" textLength="%d">%s</text>`, lw+rw/2, rw-10, r)
	b.WriteString(`</g></svg>`)
	return b.Bytes()
}
