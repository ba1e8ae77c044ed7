package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ciradar/ciradar/pkg/gitlabapi"
	"github.com/ciradar/ciradar/pkg/store"
)

// gitlabFlags say how to reach a GitLab instance's API and what to reconcile there; shared
// by serve, reconcile and backfill. The token is a secret: never printed, never logged.
type gitlabFlags struct {
	url, token, projects, groups string
	instanceRunners              bool
}

func addGitLabFlags(cfg *config) *gitlabFlags {
	g := &gitlabFlags{}
	cfg.URL(&g.url, "gitlab-url", "CIRADAR_GITLAB_URL", gitlabapi.DefaultURL,
		"GitLab instance's base URL (gitlab.com, or a self-managed one with its relative root)", false)
	cfg.Secret(&g.token, "gitlab-token", "CIRADAR_GITLAB_TOKEN",
		"GitLab personal, group or project access token with read_api, for the GitLab reconciler")
	cfg.String(&g.projects, "gitlab-projects", "CIRADAR_GITLAB_PROJECTS", "",
		"comma-separated GitLab project paths (group/sub/project) the reconciler repairs")
	cfg.String(&g.groups, "gitlab-groups", "CIRADAR_GITLAB_GROUPS", "",
		"comma-separated GitLab group paths: every project of each (subgroups included) is repaired")
	cfg.Bool(&g.instanceRunners, "gitlab-instance-runners", "CIRADAR_GITLAB_INSTANCE_RUNNERS", false,
		"list the instance's runners too (needs an administrator's token); the projects' and groups' own runners always are")
	cfg.Check(g.check)
	return g
}

func (g *gitlabFlags) check() error {
	var errs []error
	named := len(splitList(g.projects))+len(splitList(g.groups)) > 0
	if g.token != "" && !named {
		errs = append(errs, errors.New("-gitlab-token is set: name what to reconcile with -gitlab-projects and/or -gitlab-groups"))
	}
	if g.token == "" && named {
		errs = append(errs, errors.New("-gitlab-projects and -gitlab-groups need -gitlab-token"))
	}
	for _, p := range append(splitList(g.projects), splitList(g.groups)...) {
		if strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") {
			errs = append(errs, fmt.Errorf("GitLab path %q: want a path like group/sub/project, without leading or trailing slashes", p))
		}
	}
	return errors.Join(errs...)
}

// configured reports whether the GitLab reconciler was asked for; a nil gitlabFlags (the
// demo's reconciler, which builds its flags by hand) never is.
func (g *gitlabFlags) configured() bool { return g != nil && g.token != "" }

// sync builds the GitLab part of the reconciler; nil when not configured.
func (g *gitlabFlags) sync(s *store.Store) (*gitlabapi.Sync, error) {
	if !g.configured() {
		return nil, nil
	}
	c, err := gitlabapi.New(g.url, g.token, nil)
	if err != nil {
		return nil, err
	}
	return &gitlabapi.Sync{Client: c, Store: s, Projects: splitList(g.projects), Groups: splitList(g.groups),
		InstanceRunners: g.instanceRunners}, nil
}

// backfillGitLab loads GitLab's history since since (ciradar backfill -forge gitlab).
func backfillGitLab(ctx context.Context, s *store.Store, g *gitlabFlags, since time.Time, log *slog.Logger) error {
	c, err := gitlabapi.New(g.url, g.token, nil)
	if err != nil {
		return err
	}
	st, err := c.Backfill(ctx, s, splitList(g.projects), splitList(g.groups), since, time.Now())
	log.Info("backfill finished", "forge", "gitlab", "projects", st.Projects, "pipelines", st.Pipelines, "jobs", st.Jobs,
		"stored", st.Stored, "api_requests", st.Calls, "error", err)
	return err
}
