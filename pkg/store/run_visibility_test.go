package store

import "testing"

// A run's visibility comes from its events' repository object, and merging the events in
// any order keeps the most restricted one seen.
func TestRunRepoVisibility(t *testing.T) {
	cases := []struct {
		name string
		repo repoRef
		want string
	}{
		{"visibility wins over private", repoRef{Private: repoPrivate, Visibility: "internal"}, "internal"},
		{"private flag alone", repoRef{Private: repoPublic}, "public"},
		{"unknown visibility falls back to the flag", repoRef{Private: repoPrivate, Visibility: "secret"}, "private"},
		{"nothing said", repoRef{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.repo.visibility(); got != c.want {
				t.Errorf("visibility %q, want %q", got, c.want)
			}
		})
	}
	merges := []struct {
		name, a, b, want string
	}{
		{"private beats public", "public", "private", "private"},
		{"internal beats public", "internal", "public", "internal"},
		{"known beats unknown", "", "public", "public"},
		{"same stays", "public", "public", "public"},
	}
	for _, m := range merges {
		t.Run(m.name, func(t *testing.T) {
			ab, ba := &Run{RepoVisibility: m.a}, &Run{RepoVisibility: m.b}
			ab.Merge(&Run{RepoVisibility: m.b})
			ba.Merge(&Run{RepoVisibility: m.a})
			if ab.RepoVisibility != m.want || ba.RepoVisibility != m.want {
				t.Errorf("merged %q and %q, want %q both ways", ab.RepoVisibility, ba.RepoVisibility, m.want)
			}
		})
	}
}
