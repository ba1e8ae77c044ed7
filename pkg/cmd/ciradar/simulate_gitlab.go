package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ciradar/ciradar/pkg/simulate"
)

// simGitLabFlags are the simulated world's GitLab side: which organisations are GitLab
// groups, where their hooks go with which token, and the fake GitLab API the GitLab
// reconciler reads. The tokens are secrets: never printed, never logged.
type simGitLabFlags struct {
	forge, hookURL, secret, instance, apiAddr, apiToken string
}

func addSimGitLabFlags(cfg *config, g *simGitLabFlags) {
	cfg.String(&g.forge, "forge", "CIRADAR_SIMULATE_FORGE", "",
		"put the world's organisations on github, gitlab, or mixed (alternating, the first on GitHub); empty: as the world file says")
	cfg.URL(&g.hookURL, "gitlab-webhook-url", "CIRADAR_SIMULATE_GITLAB_WEBHOOK_URL", "",
		"the receiver's GitLab webhook URL (default: -url with its path made /webhook/gitlab)", true)
	cfg.Secret(&g.secret, "gitlab-webhook-secret", "CIRADAR_GITLAB_WEBHOOK_SECRET",
		"token GitLab hooks carry in X-Gitlab-Token (the first of the receiver's list); needed when any organisation is on GitLab")
	cfg.URL(&g.instance, "gitlab-instance-url", "CIRADAR_SIMULATE_GITLAB_INSTANCE_URL", "",
		"the GitLab instance the simulated projects are on; give the GitLab reconciler the same -gitlab-url (default: the fake GitLab API's URL when served, else "+simulate.DefaultGitLabURL+")", true)
	cfg.Addr(&g.apiAddr, "gitlab-api-addr", "CIRADAR_SIMULATE_GITLAB_API_ADDR", "",
		"serve the fake GitLab API (v4) on this address (e.g. :8082)", true)
	cfg.Secret(&g.apiToken, "gitlab-api-token", "CIRADAR_SIMULATE_GITLAB_API_TOKEN", "token the fake GitLab API requires; empty: any")
}

func (g *simGitLabFlags) check() error {
	switch g.forge {
	case "", simulate.ForgeGitHub, simulate.ForgeGitLab, simulate.ForgeMixed:
	default:
		return fmt.Errorf("-forge %q: want github, gitlab or mixed", g.forge)
	}
	if (g.forge == simulate.ForgeGitLab || g.forge == simulate.ForgeMixed) && g.secret == "" {
		return fmt.Errorf("-forge %s sends GitLab hooks: -gitlab-webhook-secret or CIRADAR_GITLAB_WEBHOOK_SECRET is required", g.forge)
	}
	_, err := gitlabTokens(g.secret)
	return err
}

// refusal notes the first GitLab hook the receiver refused for good: a wrong token (401),
// or no GitLab endpoint at all (404: the receiver was given no GitLab token). Every later
// hook would fail the same way, so the simulation stops with err.
type refusal struct {
	c        chan struct{}
	receiver string // -url, for the message
	once     sync.Once
	err      error
}

func (r *refusal) watch(code int, err error) (int, error) {
	var why error
	switch code {
	case http.StatusUnauthorized:
		why = errors.New("the receiver's GitLab endpoint answered 401 Unauthorized: -gitlab-webhook-secret " +
			"(CIRADAR_GITLAB_WEBHOOK_SECRET) is not one the receiver was given")
	case http.StatusNotFound:
		why = fmt.Errorf("the receiver at %s has no GitLab endpoint (404): give it -gitlab-webhook-secret "+
			"(CIRADAR_GITLAB_WEBHOOK_SECRET), or point -gitlab-webhook-url at it", r.receiver)
	}
	if why != nil {
		r.once.Do(func() {
			r.err = why
			close(r.c)
		})
	}
	return code, err
}

// apply puts the world's organisations on the forge asked for.
func (g *simGitLabFlags) apply(cfg *simulate.Config) error { return cfg.SetForge(g.forge) }

// prepare points the world's GitLab groups at their instance and their hooks at the
// receiver; a world with GitLab groups needs the hooks' token.
func (g *simGitLabFlags) prepare(w *simulate.World, t *simulate.HTTPTarget) error {
	groups := w.GitLabGroups()
	if len(groups) == 0 {
		return nil
	}
	tokens, _ := gitlabTokens(g.secret)
	if len(tokens) == 0 {
		return errors.New("the world has GitLab groups: -gitlab-webhook-secret or CIRADAR_GITLAB_WEBHOOK_SECRET is required")
	}
	t.GitLabSecret, t.GitLabURL = tokens[0], g.hookURL
	if t.GitLabURL == "" {
		u, err := url.Parse(t.URL)
		if err != nil {
			return fmt.Errorf("-url %q: %w", t.URL, err)
		}
		u.Path = "/webhook/gitlab"
		t.GitLabURL = u.String()
	}
	w.GitLabURL = g.instance
	if w.GitLabURL == "" {
		w.GitLabURL = simulate.DefaultGitLabURL // serve makes it the fake API's own URL
	}
	return nil
}

// reachable is a listener's address as a client on this host dials it.
func reachable(a *net.TCPAddr) string {
	host := a.IP.String()
	if a.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(a.Port))
}

// gitlabReconciler is the GitLab reconciler's flags for s's world: its instance (where the
// fake GitLab API listens, unless -gitlab-instance-url says otherwise), the fake API's
// token and the world's GitLab groups. Nil when the world has no GitLab group or the fake
// API is not served. The demo hands it to its reconciler.
func (s *simulation) gitlabReconciler() *gitlabFlags {
	w := s.sim.World()
	if s.f.gitlab.apiAddr == "" || len(w.GitLabGroups()) == 0 {
		return nil
	}
	token := s.f.gitlab.apiToken
	if token == "" {
		token = "glpat-simulated" // the fake API takes any token then; the reconciler needs one
	}
	return &gitlabFlags{url: w.GitLabURL, token: token, groups: strings.Join(w.GitLabGroups(), ",")}
}

// serve starts the fake GitLab API when asked for, and returns how to stop it and
// whatever stopGitHub stops; on an error it stops that itself.
func (g *simGitLabFlags) serve(sim *simulate.Simulator, stopGitHub func(), log *slog.Logger) (func(), error) {
	if g.apiAddr == "" {
		return stopGitHub, nil
	}
	ln, err := net.Listen("tcp", g.apiAddr)
	if err != nil {
		stopGitHub()
		return nil, fmt.Errorf("fake GitLab API: %w", err)
	}
	if g.instance == "" {
		// Nothing has been rendered yet: the projects live where the fake API listens.
		sim.World().GitLabURL = "http://" + reachable(ln.Addr().(*net.TCPAddr))
	}
	srv := &http.Server{Handler: sim.GitLabAPI(g.apiToken), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	log.Info("fake GitLab API listening", "addr", ln.Addr().String(), "instance", sim.World().GitLabURL,
		"groups", sim.World().GitLabGroups())
	return func() {
		stopGitHub()
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(c)
	}, nil
}
