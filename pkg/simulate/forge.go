package simulate

import (
	"fmt"
	"strings"
)

// The forges a world's organisations can live on. A GitLab organisation is a GitLab
// group: its repositories are projects ("group/name"), its workflows pipelines, its runner
// pools group runners (self-hosted) and the instance's shared runners (hosted), and it
// sends GitLab's Job Hook and Pipeline Hook (gitlabhook.go, gitlabpipeline.go) instead of
// GitHub's workflow_job and workflow_run.
const (
	ForgeGitHub = "github"
	ForgeGitLab = "gitlab"
	// ForgeMixed is SetForge's "half and half": organisations alternate, the first on GitHub.
	ForgeMixed = "mixed"
	// DefaultGitLabURL is the instance a world's GitLab groups are on unless told otherwise.
	DefaultGitLabURL = "https://gitlab.example.com"
)

func validForge(f string) bool { return f == "" || f == ForgeGitHub || f == ForgeGitLab }

func forgeOf(oc OrgConfig) string {
	if oc.Forge == "" {
		return ForgeGitHub
	}
	return oc.Forge
}

// SetForge puts every organisation on one forge ("github" or "gitlab"), or alternates them
// ("mixed": the first, third, ... on GitHub, the others on GitLab). "" keeps what the world
// file says.
func (c *Config) SetForge(mode string) error {
	for i := range c.Orgs {
		switch mode {
		case "":
			return nil
		case ForgeGitHub, ForgeGitLab:
			c.Orgs[i].Forge = mode
		case ForgeMixed:
			c.Orgs[i].Forge = []string{ForgeGitHub, ForgeGitLab}[i%2]
		default:
			return fmt.Errorf("forge %q: want github, gitlab or mixed", mode)
		}
	}
	if mode == ForgeMixed && len(c.Orgs) < 2 {
		return fmt.Errorf("forge mixed needs at least two organisations, the world has %d", len(c.Orgs))
	}
	return nil
}

// GitLab reports whether the organisation is a GitLab group.
func (o *Org) GitLab() bool { return o.Forge == ForgeGitLab }

// GitLab reports whether the repository is a GitLab project.
func (r *Repo) GitLab() bool { return r.Org.GitLab() }

func (r *Run) gitlab() bool { return r.Repo().GitLab() }

// GitLabGroups are the full paths of the world's GitLab groups, for a reconciler's Groups.
func (w *World) GitLabGroups() []string {
	var out []string
	for _, o := range w.Orgs {
		if o.GitLab() {
			out = append(out, o.Name)
		}
	}
	return out
}

// gitlabWeb is the web URL of a path on the world's GitLab instance.
func (w *World) gitlabWeb(path string) string {
	return strings.TrimSuffix(w.GitLabURL, "/") + "/" + path
}

// gitlabSource is a pipeline's source, GitLab's word for the sim's trigger event. Manual
// runs are split: some pressed in the web UI, some started by an upstream project's
// pipeline (a multi-project pipeline, whose hooks carry source_pipeline).
func gitlabSource(r *Run) string {
	switch r.Event {
	case "pull_request":
		return "merge_request_event"
	case "workflow_dispatch":
		if upstream(r) {
			return "pipeline"
		}
		return "web"
	case "release":
		return "push" // the tag's pipeline
	}
	return r.Event // push, schedule
}

func upstream(r *Run) bool { return r.ID%3 == 0 }

// gitlabStageName names stage i of a workflow as GitLab pipelines usually do.
func gitlabStageName(wf *WorkflowConfig, i int) string {
	names := []string{"build", "test", "deploy"}
	if len(wf.Stages) == 1 {
		return "test"
	}
	if len(wf.Stages) == 2 {
		names = []string{"build", "deploy"}
	}
	if i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("stage-%d", i+1)
}
