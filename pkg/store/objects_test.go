package store

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/ciradar/ciradar/pkg/fixtures"
)

// refs is what the envelopes keep of a payload's repository and organisation.
type refs struct {
	Repo repoRef  `json:"repository"`
	Org  loginRef `json:"organization"`
}

// TestRepositoryDecoderMatchesEncodingJSON decodes every real payload's repository and
// organisation with the store's own decoders and with encoding/json: the fields CI Radar
// keeps must agree.
func TestRepositoryDecoderMatchesEncodingJSON(t *testing.T) {
	type login struct {
		Login string `json:"login"`
	}
	for _, p := range fixtures.All() {
		t.Run(p.Name, func(t *testing.T) {
			var got refs
			if err := decode(p.Body, &got); err != nil {
				t.Fatal(err)
			}
			var want struct {
				Repo struct {
					ID            int64  `json:"id"`
					FullName      string `json:"full_name"`
					DefaultBranch string `json:"default_branch"`
					Owner         login  `json:"owner"`
					Private       *bool  `json:"private"`
					Visibility    string `json:"visibility"`
				} `json:"repository"`
				Org login `json:"organization"`
			}
			if err := json.Unmarshal(p.Body, &want); err != nil {
				t.Fatal(err)
			}
			exp := refs{Repo: repoRef{ID: want.Repo.ID, FullName: want.Repo.FullName, DefaultBranch: want.Repo.DefaultBranch,
				Owner: loginRef(want.Repo.Owner), Visibility: want.Repo.Visibility}, Org: loginRef(want.Org)}
			if want.Repo.Private != nil {
				exp.Repo.Private = repoPublic
				if *want.Repo.Private {
					exp.Repo.Private = repoPrivate
				}
			}
			if got != exp {
				t.Errorf("got %+v, want %+v", got, exp)
			}
			if bytes.Contains(p.Body, []byte(`"full_name"`)) && got.Repo.FullName == "" {
				t.Errorf("the repository's full name was not read")
			}
		})
	}
}

func TestRepositoryDecoderEdgeCases(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		want    refs
		wantErr bool
	}{
		{"escaped names", `{"repository": {"full\u005fname": "a/b", "\u0069d": 7, "owner": {"log\u0069n": "a"}}}`,
			refs{Repo: repoRef{ID: 7, FullName: "a/b", Owner: loginRef{Login: "a"}}}, false},
		{"null objects", `{"repository": null, "organization": null}`, refs{}, false},
		{"null owner", `{"repository": {"full_name": "a/b", "owner": null}}`, refs{Repo: repoRef{FullName: "a/b"}}, false},
		{"the last of duplicate names wins", `{"repository": {"full_name": "a/b", "full_name": "c/d"}}`,
			refs{Repo: repoRef{FullName: "c/d"}}, false},
		{"names differing in case are other names", `{"repository": {"Full_Name": "a/b", "ID": 7}}`, refs{}, false},
		{"unknown members of every kind are skipped", `{"repository": {"topics": ["x", {"y": [1, 2]}], "license": {"key": "mit"},
			"fork": false, "size": 1.5, "homepage": null, "full_name": "a/b"}}`, refs{Repo: repoRef{FullName: "a/b"}}, false},
		{"private true", `{"repository": {"private": true}}`, refs{Repo: repoRef{Private: repoPrivate}}, false},
		{"private false", `{"repository": {"private": false, "visibility": "public"}}`, refs{Repo: repoRef{Private: repoPublic, Visibility: "public"}}, false},
		{"private null says nothing", `{"repository": {"private": null}}`, refs{}, false},
		{"private is a string", `{"repository": {"private": "yes"}}`, refs{}, true},
		{"empty object", `{"repository": {}}`, refs{}, false},
		{"repository is a string", `{"repository": "a/b"}`, refs{}, true},
		{"owner is an array", `{"repository": {"owner": []}}`, refs{}, true},
		{"id is a string", `{"repository": {"id": "7"}}`, refs{}, true},
		{"object cut short", `{"repository": {"full_name": "a/b"`, refs{}, true},
		{"name without a value", `{"repository": {"full_name"}}`, refs{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got refs
			err := decode([]byte(c.payload), &got)
			if (err != nil) != c.wantErr {
				t.Fatalf("error %v, want an error: %v", err, c.wantErr)
			}
			if err == nil && got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
