package store

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestValidateDelivery(t *testing.T) {
	ok := Delivery{ID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", Event: "workflow_job", TargetType: "organization", HookID: 1}
	cases := []struct {
		name    string
		edit    func(*Delivery)
		wantErr bool
	}{
		{name: "a real delivery", edit: func(*Delivery) {}},
		{name: "no id", edit: func(d *Delivery) { d.ID = "" }, wantErr: true},
		{name: "invalid UTF-8 id", edit: func(d *Delivery) { d.ID = "a\xffb" }, wantErr: true},
		{name: "NUL in event", edit: func(d *Delivery) { d.Event = "push\x00" }, wantErr: true},
		{name: "tab in target type", edit: func(d *Delivery) { d.TargetType = "org\tx" }, wantErr: true},
		{name: "id of 128 bytes", edit: func(d *Delivery) { d.ID = strings.Repeat("a", 128) }},
		{name: "id of 129 bytes", edit: func(d *Delivery) { d.ID = strings.Repeat("a", 129) }, wantErr: true},
		{name: "unicode id", edit: func(d *Delivery) { d.ID = "lieferung-ü" }},
		{name: "negative hook id", edit: func(d *Delivery) { d.HookID = -1 }, wantErr: true},
		{name: "negative target id", edit: func(d *Delivery) { d.TargetID = -1 }, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := ok
			c.edit(&d)
			err := ValidateDelivery(d)
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if err != nil && (!errors.Is(err, ErrUnstorable) || !IsDataError(err)) {
				t.Fatalf("%v is not an ErrUnstorable data error", err)
			}
		})
	}
}

func TestCapText(t *testing.T) {
	cases := []struct {
		name, in string
		n        int
		want     string
	}{
		{name: "short", in: "main", n: 10, want: "main"},
		{name: "cut", in: "abcdef", n: 3, want: "abc"},
		{name: "not inside a character", in: "aé", n: 2, want: "a"},
		{name: "NUL removed", in: "a\x00b", n: 10, want: "ab"},
		{name: "invalid UTF-8 replaced", in: "a\xffb", n: 10, want: "a\uFFFDb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := capText(c.in, c.n)
			if got != c.want || !utf8.ValidString(got) || len(got) > c.n {
				t.Fatalf("capText(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
			}
		})
	}
}

func TestCapJobLabels(t *testing.T) {
	j := &Job{Labels: make([]string, 5000), HeadBranch: strings.Repeat("b", 5000)}
	for i := range j.Labels {
		j.Labels[i] = strings.Repeat("x", 300)
	}
	j.LabelKey = labelKey(j.Labels)
	capJob(j)
	if len(j.Labels) != MaxLabels || len(j.Labels[0]) != MaxLabelLen || len(j.HeadBranch) != MaxNameLen {
		t.Fatalf("caps not applied: %d labels of %d bytes, branch %d bytes", len(j.Labels), len(j.Labels[0]), len(j.HeadBranch))
	}
	if j.LabelKey != labelKey(j.Labels) {
		t.Fatal("label key not recomputed from the capped labels")
	}
}

func TestErrorClasses(t *testing.T) {
	cases := []struct {
		name              string
		err               error
		data, unavailable bool
	}{
		{name: "malformed", err: ErrMalformed, data: true},
		{name: "unstorable", err: ErrUnstorable, data: true},
		{name: "bad encoding", err: &pgconn.PgError{Code: "22021"}, data: true},
		{name: "numeric out of range", err: &pgconn.PgError{Code: "22003"}, data: true},
		{name: "check violation", err: &pgconn.PgError{Code: "23514"}, data: true},
		{name: "index row too large", err: &pgconn.PgError{Code: "54000"}, data: true},
		{name: "connection lost", err: &pgconn.PgError{Code: "08006"}, unavailable: true},
		{name: "shutting down", err: &pgconn.PgError{Code: "57P01"}, unavailable: true},
		{name: "statement timeout", err: &pgconn.PgError{Code: "57014"}, unavailable: true},
		{name: "too many connections", err: &pgconn.PgError{Code: "53300"}, unavailable: true},
		{name: "unique violation is neither", err: &pgconn.PgError{Code: "23505"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if IsDataError(c.err) != c.data || IsUnavailable(c.err) != c.unavailable {
				t.Fatalf("data %v unavailable %v, want %v %v", IsDataError(c.err), IsUnavailable(c.err), c.data, c.unavailable)
			}
		})
	}
}
