package simulate

import (
	"fmt"
	"strings"
	"time"
)

// The objects GitLab's Job Hook and Pipeline Hook share: the project, a user, a runner, an
// environment and an upstream pipeline, every member of GitLab's own examples
// (pkg/fixtures/testdata/gitlab), in GitLab's order.

// glTime is a timestamp as GitLab's hooks spell most of them; nil (null) for the zero time.
func glTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02 15:04:05 UTC")
	return &s
}

func glSeconds(d time.Duration) *float64 {
	s := d.Seconds()
	return &s
}

type glProject struct {
	ID                int64   `json:"id"`
	Name              string  `json:"name"`
	Description       string  `json:"description"`
	WebURL            string  `json:"web_url"`
	AvatarURL         *string `json:"avatar_url"`
	GitSSHURL         string  `json:"git_ssh_url"`
	GitHTTPURL        string  `json:"git_http_url"`
	Namespace         string  `json:"namespace"`
	VisibilityLevel   int     `json:"visibility_level"`
	PathWithNamespace string  `json:"path_with_namespace"`
	DefaultBranch     string  `json:"default_branch"`
	CIConfigPath      string  `json:"ci_config_path"`
}

func visibilityLevel(r *Repo) int {
	if r.Public {
		return 20
	}
	return 0
}

func gitSSH(w *World, path string) string {
	host := strings.TrimPrefix(strings.TrimPrefix(w.GitLabURL, "https://"), "http://")
	host, _, _ = strings.Cut(host, "/")
	return "git@" + host + ":" + path + ".git"
}

func newGLProject(r *Repo) glProject {
	w := r.Org.world
	path := r.FullName()
	return glProject{ID: r.ID, Name: r.Name, Description: fmt.Sprintf("The %s of %s.", strings.ReplaceAll(r.Name, "-", " "), r.Org.Name),
		WebURL: w.gitlabWeb(path), GitSSHURL: gitSSH(w, path), GitHTTPURL: w.gitlabWeb(path) + ".git",
		Namespace: r.Org.Name, VisibilityLevel: visibilityLevel(r), PathWithNamespace: path, DefaultBranch: "main"}
}

type glUser struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Username  string `json:"username"`
	AvatarURL string `json:"avatar_url"`
	Email     string `json:"email"`
}

// glUsername is a run's actor as a GitLab user: bots are project bots, and a schedule
// runs as its owner.
func glUsername(r *Run) string {
	if r.Event == "schedule" {
		return "ci-scheduler"
	}
	if name, ok := strings.CutSuffix(r.Actor, "[bot]"); ok {
		return name + "-bot"
	}
	return r.Actor
}

func newGLUser(r *Run) glUser {
	login := glUsername(r)
	id := userID(login)
	return glUser{ID: id, Name: personName(login), Username: login,
		AvatarURL: fmt.Sprintf("https://secure.gravatar.com/avatar/%016x?s=80&d=identicon", hash64(uint64(id))),
		Email:     "[REDACTED]"}
}

type glRunner struct {
	ID          int64    `json:"id"`
	Description string   `json:"description"`
	RunnerType  string   `json:"runner_type"`
	Active      bool     `json:"active"`
	IsShared    bool     `json:"is_shared"`
	Tags        []string `json:"tags"`
}

// runnerType is a pool's GitLab scope: hosted pools are the instance's shared runners,
// self-hosted ones the group's.
func runnerType(p *Pool) string {
	if p.Config.Hosted {
		return "instance_type"
	}
	return "group_type"
}

// newGLRunner is the runner that took j; nil before one did.
func newGLRunner(j *Job) *glRunner {
	if j.RunnerName == "" {
		return nil
	}
	return &glRunner{ID: j.RunnerID, Description: j.RunnerName, RunnerType: runnerType(j.Pool), Active: true,
		IsShared: j.Pool.Config.Hosted, Tags: j.Spec.RunsOn}
}

type glEnvironment struct {
	Name           string `json:"name"`
	Action         string `json:"action"`
	DeploymentTier string `json:"deployment_tier"`
}

func newGLEnvironment(j *Job) *glEnvironment {
	env := j.Spec.Environment
	if env == "" {
		return nil
	}
	tier := "staging"
	if env == "production" {
		tier = "production"
	}
	return &glEnvironment{Name: env, Action: "start", DeploymentTier: tier}
}

type glSourcePipeline struct {
	Project struct {
		ID                int64  `json:"id"`
		WebURL            string `json:"web_url"`
		PathWithNamespace string `json:"path_with_namespace"`
	} `json:"project"`
	PipelineID int64 `json:"pipeline_id"`
	JobID      int64 `json:"job_id"`
}

// newGLSourcePipeline is the upstream pipeline of a multi-project pipeline (source
// "pipeline"): the group's release train; nil for every other pipeline.
func newGLSourcePipeline(r *Run) *glSourcePipeline {
	if gitlabSource(r) != "pipeline" {
		return nil
	}
	org := r.Repo().Org
	sp := &glSourcePipeline{PipelineID: r.ID - 7, JobID: r.ID - 5}
	sp.Project.ID = org.ID*10_000 + 9_999
	sp.Project.PathWithNamespace = org.Name + "/release-train"
	sp.Project.WebURL = org.world.gitlabWeb(sp.Project.PathWithNamespace)
	return sp
}
