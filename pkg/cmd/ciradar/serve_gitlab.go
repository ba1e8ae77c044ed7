package main

import (
	"errors"
	"net/http"
	"strings"

	"github.com/ciradar/ciradar/pkg/webhook"
)

// gitlabTokens splits -gitlab-webhook-secret into its tokens; none means the GitLab
// endpoint is off. An empty entry is an error, as for -webhook-secret: it is a typo, and
// never a token anyone meant.
func gitlabTokens(list string) ([]string, error) {
	if list == "" {
		return nil, nil
	}
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			return nil, errors.New("-gitlab-webhook-secret holds an empty entry")
		}
		out = append(out, s)
	}
	return out, nil
}

func checkGitLabTokens(list string) error {
	_, err := gitlabTokens(list)
	return err
}

// mountGitLab serves /webhook/github as an alias of /webhook, and /webhook/gitlab when
// GitLab tokens are set; without them that path is not served at all (404). cfg is the
// GitHub handler's, less its secrets and its sender allowlist (GitHub's addresses).
func mountGitLab(mux *http.ServeMux, github http.Handler, list string, cfg webhook.Config) error {
	mux.Handle("POST /webhook/github", github)
	tokens, err := gitlabTokens(list)
	if err != nil || len(tokens) == 0 {
		return err
	}
	cfg.Secrets = tokens
	gl, err := webhook.NewGitLabHandler(cfg)
	if err != nil {
		return err
	}
	mux.Handle("POST /webhook/gitlab", gl)
	return nil
}
