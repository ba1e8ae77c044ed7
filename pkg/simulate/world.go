package simulate

import (
	"fmt"
	"time"
)

// World is the static part of the simulation: who exists, and what they run.
type World struct {
	Config Config
	Seed   uint64
	Start  time.Time // simulated time zero
	Orgs   []*Org
	Repos  []*Repo
	idBase int64 // job, run and runner ids count up from here
	// GitLabURL is the GitLab instance the GitLab organisations live on (DefaultGitLabURL
	// unless set before the simulator starts): their hooks' web URLs, and so the store's
	// forge_url, are under it, and a reconciler reading the world's fake GitLab API must be
	// given the same URL.
	GitLabURL string
}

// Org is an organisation with its org webhook and its runner pools.
type Org struct {
	Name   string
	ID     int64
	HookID int64
	Forge  string // ForgeGitHub or ForgeGitLab
	Pools  []*Pool
	world  *World
	Repos  []*Repo
}

// Repo is one repository and the workflows it has.
type Repo struct {
	Org       *Org
	Name      string
	ID        int64
	Workflows []*Workflow
	NewError  bool // hit by the brand-new error once it starts
	Public    bool // a public repository: standard hosted runners are free (cost.go)
}

// FullName is owner/name.
func (r *Repo) FullName() string { return r.Org.Name + "/" + r.Name }

// Workflow is one workflow file in one repository.
type Workflow struct {
	Repo      *Repo
	Config    *WorkflowConfig
	ID        int64
	runNumber int
}

var repoWords = [2][]string{
	{"payments", "search", "auth", "billing", "web", "mobile", "infra", "data", "ml", "docs", "checkout",
		"catalog", "identity", "notify", "ledger", "gateway", "metrics", "storage", "media", "growth"},
	{"api", "service", "worker", "ui", "sdk", "cli", "pipeline", "operator", "proxy", "console"},
}

// NewWorld grows the organisations and repositories of cfg from seed. start is simulated
// time zero: it is part of the world's identity, so two worlds started at different times
// never share a job id or a delivery GUID.
func NewWorld(cfg Config, seed uint64, start time.Time) (*World, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("world config: %w", err)
	}
	start = start.UTC().Truncate(time.Second)
	w := &World{Config: cfg, Seed: seed, Start: start, GitLabURL: DefaultGitLabURL}
	// Ids stay below 2^53 so that JavaScript clients read them exactly.
	w.idBase = int64(hash64(seed, uint64(start.Unix()))%(1<<44)) + 1<<44
	r := newRNG(seed, 1)
	for oi, oc := range cfg.Orgs {
		org := &Org{Name: oc.Name, ID: 9_000_000 + int64(oi)*1000 + int64(seed%997), HookID: 400_000_000 + int64(oi),
			Forge: forgeOf(oc), world: w}
		for pi := range cfg.Pools {
			org.Pools = append(org.Pools, newPool(w, org, &cfg.Pools[pi], pi))
		}
		for i := range oc.Repos {
			// The first PublicShare of an organisation's repositories are public; no random
			// draw, so that a world's other figures do not move with the share.
			repo := &Repo{Org: org, Name: repoName(i), ID: org.ID*10_000 + int64(i) + 1,
				Public: float64(i) < oc.PublicShare*float64(oc.Repos)}
			for wi := range cfg.Workflows {
				wc := &cfg.Workflows[wi]
				if wi == 0 || r.chance(wc.Share) {
					repo.Workflows = append(repo.Workflows, &Workflow{Repo: repo, Config: wc, ID: repo.ID*100 + int64(wi) + 1})
				}
			}
			if cfg.NewError != nil {
				repo.NewError = r.chance(cfg.NewError.RepoShare)
			}
			org.Repos = append(org.Repos, repo)
			w.Repos = append(w.Repos, repo)
		}
		w.Orgs = append(w.Orgs, org)
	}
	return w, nil
}

// repoName spells repository i as word-word, numbered once the combinations run out.
func repoName(i int) string {
	a, b := repoWords[0], repoWords[1]
	n := len(a) * len(b)
	name := a[i%len(a)] + "-" + b[(i/len(a))%len(b)]
	if i >= n {
		name = fmt.Sprintf("%s-%d", name, i/n+1)
	}
	return name
}

// Org returns the organisation named name.
func (w *World) Org(name string) *Org {
	for _, o := range w.Orgs {
		if o.Name == name {
			return o
		}
	}
	return nil
}
