package query_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ciradar/ciradar/pkg/query"
)

// TestValidateRefusesWhatPostgresWould: every value Postgres would refuse with a data
// error is refused before the query runs, naming the input, and echoing at most 200
// characters of it.
func TestValidateRefusesWhatPostgresWould(t *testing.T) {
	day := func(y int) (time.Time, time.Time) {
		f := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		return f, f.Add(24 * time.Hour)
	}
	long := strings.Repeat("k", 5000)
	tests := []struct {
		name string
		js   string
		year int
		want string // "" means valid
	}{
		{"plain", `{"filters": {"repos": ["octo/a", "octo/b"]}, "limit": 5}`, 2024, ""},
		{"unicode and escapes", `{"filters": {"repos": ["ünï ☃ 𝄞", "a\"b", "\ud800"]}}`, 2024, ""},
		{"nested path", `{"filters": {"repos": ["a", "b", "c\u0000"]}}`, 2024, "filters.repos[2] holds a NUL byte at byte 1"},
		{"array of objects", `{"x": [{"y": "ok"}, {"y": "\u0000"}]}`, 2024, "x[1].y holds a NUL byte"},
		{"after a nested object", `{"a": {"b": 1}, "c": "\u0000"}`, 2024, "c holds a NUL byte"},
		{"raw invalid byte", "{\"filters\": {\"orgs\": [\"a\xffb\"]}}", 2024, "filters.orgs[0] is not valid UTF-8"},
		{"invalid byte in a key", "{\"fil\xfeters\": 1}", 2024, "is not valid UTF-8"},
		{"NUL in a key is quoted", `{"a\u0000b": 1}`, 2024, `"a\x00b" (a key) holds a NUL byte`},
		{"a long key is cut", `{"` + long + `\u0000": 1}`, 2024, "… (a key)"},
		{"top-level string", `"\u0000"`, 2024, "query JSON holds a NUL byte"},
		{"not JSON", `{"a": `, 2024, "query JSON is invalid"},
		{"year 0", `{}`, 0, "year 0: it must be between the years 1 and 9999"},
		{"year 10000", `{}`, 10000, "year 10000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			from, to := day(tc.year)
			err := query.Request{From: from, To: to, JSON: []byte(tc.js)}.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !query.IsBadQuery(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a bad query saying %q", err, tc.want)
			}
			if len(err.Error()) > 3*query.MaxEcho {
				t.Errorf("message is %d bytes long", len(err.Error()))
			}
		})
	}
}

func TestCheckText(t *testing.T) {
	tests := []struct{ name, v, want string }{
		{"plain", "octo-org", ""},
		{"empty", "", ""},
		{"NUL", "a\x00", "parameter org holds a NUL byte at byte 1"},
		{"invalid UTF-8", "a\xc3", "parameter org is not valid UTF-8"},
		{"surrogate half encoded", "\xed\xa0\x80", "is not valid UTF-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := query.CheckText("parameter org", tc.v)
			if (tc.want == "") != (err == nil) || (err != nil && (!query.IsBadQuery(err) || !strings.Contains(err.Error(), tc.want))) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
