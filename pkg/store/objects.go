package store

import (
	"bytes"
	"fmt"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The repository and organisation objects are most of a payload's keys (a repository has
// about ninety), and CI Radar reads three of them. The v2 decoder looks up every key it
// does not know twice, the second time case-folded, before skipping its value: a fifth of
// the receiver's JSON time. These decoders compare each key with the few they want and
// skip the rest at once. Names are matched exactly, as the v2 decoder matches by default.

// UnmarshalJSONFrom decodes a repository, keeping its id, full name, default branch,
// owner and visibility.
func (r *repoRef) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*r = repoRef{}
	return decodeMembers(dec, "repository", func(name []byte) error {
		switch string(name) {
		case "id":
			return jsonv2.UnmarshalDecode(dec, &r.ID)
		case "full_name":
			return jsonv2.UnmarshalDecode(dec, &r.FullName)
		case "default_branch":
			return jsonv2.UnmarshalDecode(dec, &r.DefaultBranch)
		case "owner":
			return jsonv2.UnmarshalDecode(dec, &r.Owner)
		case "private":
			var b *bool
			if err := jsonv2.UnmarshalDecode(dec, &b); err != nil {
				return err
			}
			switch {
			case b == nil:
			case *b:
				r.Private = repoPrivate
			default:
				r.Private = repoPublic
			}
			return nil
		case "visibility":
			return jsonv2.UnmarshalDecode(dec, &r.Visibility)
		}
		return dec.SkipValue()
	})
}

// UnmarshalJSONFrom decodes an account (an organisation or a repository's owner), keeping
// its login.
func (l *loginRef) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	*l = loginRef{}
	return decodeMembers(dec, "account", func(name []byte) error {
		if string(name) == "login" {
			return jsonv2.UnmarshalDecode(dec, &l.Login)
		}
		return dec.SkipValue()
	})
}

// decodeMembers reads a JSON object (or null, which leaves the value as it is) and calls
// member with each name, unescaped; member must consume the value.
func decodeMembers(dec *jsontext.Decoder, what string, member func(name []byte) error) error {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		return err
	case '{':
	default:
		// Read the value, so that the error says where and what it was.
		v, err := dec.ReadValue()
		if err != nil {
			return err
		}
		return fmt.Errorf("%s: want an object, got %s", what, bytes.TrimSpace(v))
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	var buf [32]byte
	for dec.PeekKind() != '}' {
		raw, err := dec.ReadValue()
		if err != nil {
			return err
		}
		// A name without escapes is itself between its quotes.
		name := raw[1 : len(raw)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			if name, err = jsontext.AppendUnquote(buf[:0], raw); err != nil {
				return err
			}
		}
		if err := member(name); err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}
