package main

import (
	"io"
	"strings"
	"testing"
)

// The GitLab reconciler's flags are checked at start, every problem in one error, and the
// token never appears in it.
func TestGitLabFlags(t *testing.T) {
	const token = "glpat-secret-value"
	cases := []struct {
		name    string
		args    []string
		wantErr []string
	}{
		{"off by default", nil, nil},
		{"token and projects", []string{"-gitlab-token", token, "-gitlab-projects", "a/b, c/d/e"}, nil},
		{"token and group, self-managed", []string{"-gitlab-token", token, "-gitlab-groups", "a", "-gitlab-url", "https://git.example.com/gitlab"}, nil},
		{"token alone", []string{"-gitlab-token", token}, []string{"name what to reconcile"}},
		{"projects without a token", []string{"-gitlab-projects", "a/b"}, []string{"need -gitlab-token"}},
		{"bad URL and bad path together", []string{"-gitlab-token", token, "-gitlab-groups", "/a/", "-gitlab-url", "gitlab.com"},
			[]string{"-gitlab-url", `GitLab path "/a/"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := newConfig("reconcile", io.Discard)
			addReconcileFlags(cfg)
			err := cfg.parse(c.args)
			if len(c.wantErr) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want errors %q", c.wantErr)
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %v, want one saying %q", err, w)
				}
			}
			if strings.Contains(err.Error(), token) {
				t.Fatalf("the error echoes the token: %v", err)
			}
		})
	}
}

// backfill -forge: github by default, gitlab with its own requirements, nothing else.
func TestBackfillForgeFlag(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"gitlab", []string{"-database-url", "postgres://u@localhost/db", "-forge", "gitlab", "-gitlab-token", "t", "-gitlab-projects", "a/b", "-since", "30d"}, ""},
		{"gitlab without a token", []string{"-forge", "gitlab"}, "backfill -forge gitlab needs -gitlab-token"},
		{"github is the default", nil, "backfill needs -github-token"},
		{"unknown forge", []string{"-forge", "bitbucket"}, `-forge "bitbucket"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := newConfig("backfill", io.Discard)
			backfillCommand.setup(cfg)
			err := cfg.parse(c.args)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, c.wantErr)
			}
		})
	}
}
