package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxEcho is the most of a user's value an error message repeats: enough to recognise it,
// never the whole of a 100 KB paste.
const MaxEcho = 200

// Echo cuts a value the user sent to MaxEcho characters for an error message. Quote it
// with %q, so that control bytes show as escapes.
func Echo(s string) string { return truncate(s, MaxEcho) }

// CheckText refuses a text value Postgres would refuse, before it gets there: a NUL byte
// (text cannot hold one) or bytes that are not UTF-8 (the store's encoding). name says
// which input was wrong.
func CheckText(name, v string) error {
	if problem := textProblem(v, nil); problem != "" {
		return badQuery("%s %s", name, problem)
	}
	return nil
}

// checkJSONText walks every key and string of the query JSON and refuses the first one
// CheckText refuses, naming it by its path (filters.repos[0]). encoding/json would turn
// invalid UTF-8 into U+FFFD without a word, so the raw bytes of each token are checked,
// not the decoded string. The walk keeps its own stack: no nesting depth costs recursion.
func checkJSONText(raw []byte) error {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type level struct {
		array bool
		index int
		key   string
		isKey bool // the next token of an object is a key
	}
	var stack []level
	path := func() string {
		var b strings.Builder
		for _, l := range stack {
			switch {
			case l.array:
				b.WriteString("[" + strconv.Itoa(l.index) + "]")
			case b.Len() > 0:
				b.WriteString("." + pathKey(l.key))
			default:
				b.WriteString(pathKey(l.key))
			}
		}
		if b.Len() == 0 {
			return "query JSON"
		}
		return truncate(b.String(), MaxEcho)
	}
	// done moves past a finished value: the next array index, or back to a key.
	done := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].isKey = true
			}
		}
	}
	start := int64(0)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return badQuery("query JSON is invalid: it ends inside an object or array")
			}
			return nil
		}
		if err != nil {
			return badQuery("query JSON is invalid: %s", Echo(err.Error()))
		}
		seg := raw[start:dec.InputOffset()]
		start = dec.InputOffset()
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, level{isKey: true})
			case '[':
				stack = append(stack, level{array: true})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
		case string:
			top := len(stack) - 1
			isKey := top >= 0 && !stack[top].array && stack[top].isKey
			if isKey {
				stack[top].key, stack[top].isKey = t, false
			}
			// The path is built only for an error: building it for every string would
			// cost depth × strings on a deeply nested document.
			if problem := textProblem(t, seg); problem != "" {
				name := path()
				if isKey {
					name += " (a key)"
				}
				return badQuery("%s %s", name, problem)
			}
			if !isKey {
				done()
			}
		default:
			done()
		}
	}
}

// pathKey writes a key of the path as it is when it is a plain name, and quoted (NUL bytes
// and all escaped) when it is not.
func pathKey(k string) string {
	for _, r := range k {
		if !(r == '_' || r == '$' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return strconv.Quote(truncate(k, MaxEcho))
		}
	}
	return truncate(k, MaxEcho)
}

// textProblem says what is wrong with one decoded string and the raw bytes it came from,
// or "" when nothing is.
func textProblem(decoded string, seg []byte) string {
	if !utf8.Valid(seg) || !utf8.ValidString(decoded) {
		return "is not valid UTF-8"
	}
	if i := strings.IndexByte(decoded, 0); i >= 0 {
		return fmt.Sprintf("holds a NUL byte at byte %d: text values cannot contain one", i)
	}
	return ""
}

// checkTimes refuses times Postgres cannot store: Grafana sends any 64-bit epoch.
func checkTimes(r Request) error {
	for _, t := range []struct {
		name string
		y    int
	}{{"from", r.From.Year()}, {"to", r.To.Year()}} {
		if t.y < 1 || t.y > 9999 {
			return badQuery("time range %s is in the year %d: it must be between the years 1 and 9999", t.name, t.y)
		}
	}
	return nil
}
