package query

import (
	"bytes"
	"encoding/json"
	"errors"
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
	if i := strings.IndexByte(v, 0); i >= 0 {
		return badQuery("%s holds a NUL byte at byte %d: text values cannot contain one", name, i)
	}
	if !utf8.ValidString(v) {
		return badQuery("%s is not valid UTF-8 (at byte %d)", name, invalidAt(v))
	}
	return nil
}

func invalidAt(v string) int {
	for i, r := range v {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(v[i:]); size <= 1 {
				return i
			}
		}
	}
	return len(v)
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
				b.WriteString("." + l.key)
			default:
				b.WriteString(l.key)
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
			if top >= 0 && !stack[top].array && stack[top].isKey {
				stack[top].key, stack[top].isKey = t, false
				if err := checkToken(path()+" (a key)", t, seg); err != nil {
					return err
				}
				continue
			}
			if err := checkToken(path(), t, seg); err != nil {
				return err
			}
			done()
		default:
			done()
		}
	}
}

// checkToken checks one decoded string and the raw bytes it came from.
func checkToken(name, decoded string, seg []byte) error {
	if !utf8.Valid(seg) {
		return badQuery("%s is not valid UTF-8", name)
	}
	return CheckText(name, decoded)
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
