package simulate

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// Config is a world's description. docs/simulator.md documents every field; the default
// (worlds/default.json) looks like a mid-size company.
type Config struct {
	Orgs        []OrgConfig      `json:"orgs"`
	Pools       []PoolConfig     `json:"pools"`
	Workflows   []WorkflowConfig `json:"workflows"`
	Failures    []FailureConfig  `json:"failures"`
	NewError    *NewErrorConfig  `json:"new_error,omitempty"`
	Activity    ActivityConfig   `json:"activity"`
	Approvals   ApprovalConfig   `json:"approvals"`
	FailureRate float64          `json:"failure_rate"` // chance a job fails outright
	CancelRate  float64          `json:"cancel_rate"`  // chance a run is cancelled midway
	// VanishRate: chance a job, once queued, is forgotten by GitHub (its run deleted): no
	// further event, and the API answers 404 for it. GitLab groups ignore it.
	VanishRate float64 `json:"vanish_rate"`
	// QueueCancelRate: chance a queued job's run is cancelled before a runner takes the
	// job; some are cancelled after waiting for hours, as people give up on starved pools.
	QueueCancelRate float64 `json:"queue_cancel_rate"`
	RerunFlaky      float64 `json:"rerun_flaky"` // chance a run failed by a flaky job is re-run
	RerunOther      float64 `json:"rerun_other"` // chance any other failed run is re-run
}

// OrgConfig is one organisation and how many repositories it has.
type OrgConfig struct {
	Name  string `json:"name"`
	Repos int    `json:"repos"`
	// PublicShare is the fraction of its repositories that are public (cost.go).
	PublicShare float64 `json:"public_share,omitempty"`
	// Forge is where the organisation lives: "github" (the default) or "gitlab", a GitLab
	// group whose repositories are its projects (forge.go).
	Forge string `json:"forge,omitempty"`
}

// PoolConfig is a runner pool: a label set and how many jobs it runs at once. Hosted pools
// have ephemeral runners; self-hosted pools have named runners that go offline now and then.
type PoolConfig struct {
	Labels        []string `json:"labels"`
	Hosted        bool     `json:"hosted"`
	Capacity      int      `json:"capacity"`        // concurrent jobs per organisation
	Group         string   `json:"group,omitempty"` // runner group (self-hosted)
	OS            string   `json:"os"`
	PickupSeconds [2]int   `json:"pickup_s"`        // delay from free runner to job start
	OutagesPerDay float64  `json:"outages_per_day"` // per runner, self-hosted only
	OutageMinutes [2]int   `json:"outage_minutes"`  // how long a runner stays offline
	// Hosted pools: GitHub's price of a minute, its billing SKU, and whether it is a larger
	// runner (billed in public repositories too). See cost.go.
	PricePerMinute float64 `json:"price_per_minute,omitempty"`
	SKU            string  `json:"sku,omitempty"`
	Larger         bool    `json:"larger,omitempty"`
}

// WorkflowConfig is a workflow template; each repository gets some of them.
type WorkflowConfig struct {
	Name    string      `json:"name"`
	Path    string      `json:"path"`
	On      []string    `json:"on"`                // push, pull_request, schedule, workflow_dispatch, release
	Share   float64     `json:"share"`             // fraction of repositories that have it
	Nightly string      `json:"nightly,omitempty"` // "HH:MM" UTC, for schedule
	PerHour float64     `json:"per_hour"`          // push/PR runs per repo per office hour
	Stages  [][]JobSpec `json:"stages"`            // jobs in a stage start when the previous stage passed
}

// JobSpec is one job of a workflow, expanded by its matrix or its reusable-workflow calls.
type JobSpec struct {
	Name        string              `json:"name"`
	RunsOn      []string            `json:"runs_on"`
	Matrix      map[string][]string `json:"matrix,omitempty"`
	Calls       []string            `json:"calls,omitempty"`       // reusable workflow: "<name> / <call>"
	Minutes     [2]float64          `json:"minutes"`               // run time range
	Environment string              `json:"environment,omitempty"` // needs an approval
	Flaky       float64             `json:"flaky,omitempty"`       // chance attempt 1 fails flakily
	// AllowFailure is GitLab's allow_failure: in a GitLab project a failure of this job
	// does not fail its pipeline ("passed with warnings"). GitHub's counterpart is a step's
	// continue-on-error (steps.go), so GitHub repositories ignore it.
	AllowFailure bool `json:"allow_failure,omitempty"`
}

// FailureConfig is one way a job fails, with the log lines it leaves.
type FailureConfig struct {
	Name   string   `json:"name"`
	Weight float64  `json:"weight"`
	Log    []string `json:"log"` // templates; see failures.go for the placeholders
	// Minutes, when set, replaces the run time (timeouts run to the limit).
	Minutes float64 `json:"minutes,omitempty"`
}

// NewErrorConfig is an error nobody has seen before: from a day on, in some repositories.
type NewErrorConfig struct {
	FailureConfig
	StartDay  int     `json:"start_day"`  // days after the simulation start
	RepoShare float64 `json:"repo_share"` // fraction of repositories it hits
	Rate      float64 `json:"rate"`       // chance per job in those repositories
}

// ActivityConfig shapes when people push: office hours on weekdays, quiet otherwise.
type ActivityConfig struct {
	OfficeStart    int     `json:"office_start"` // UTC hour
	OfficeEnd      int     `json:"office_end"`
	OffHoursFactor float64 `json:"off_hours_factor"`
	WeekendFactor  float64 `json:"weekend_factor"`
	DispatchPerDay float64 `json:"dispatch_per_day"` // manual runs per repo per weekday
}

// ApprovalConfig is how long environment approvals take.
type ApprovalConfig struct {
	Minutes [2]float64 `json:"minutes"`
}

//go:embed worlds/default.json
var defaultWorld []byte

// DefaultConfig is the built-in mid-size company.
func DefaultConfig() Config {
	c, err := ParseConfig(defaultWorld)
	if err != nil {
		panic(fmt.Sprintf("simulate: embedded default world is invalid: %v", err))
	}
	return c
}

// LoadConfig reads a world file; an empty path gives the default world.
func LoadConfig(path string) (Config, error) {
	if path == "" {
		return DefaultConfig(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read world config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return Config{}, fmt.Errorf("world config %s: %w", path, err)
	}
	return c, nil
}

// ParseConfig decodes and validates a world; unknown fields are errors, so typos show.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("decode: %w", err)
	}
	return c, c.Validate()
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if len(c.Orgs) == 0 {
		errs = append(errs, errors.New("no orgs"))
	}
	for _, o := range c.Orgs {
		if o.Name == "" || o.Repos < 1 {
			errs = append(errs, fmt.Errorf("org %q: needs a name and at least one repo", o.Name))
		}
		if !validForge(o.Forge) {
			errs = append(errs, fmt.Errorf("org %q: forge %q: want github or gitlab", o.Name, o.Forge))
		}
		if o.PublicShare < 0 || o.PublicShare > 1 {
			errs = append(errs, fmt.Errorf("org %q: public_share must be between 0 and 1", o.Name))
		}
	}
	pools := map[string]bool{}
	for _, p := range c.Pools {
		if len(p.Labels) == 0 || p.Capacity < 1 {
			errs = append(errs, fmt.Errorf("pool %v: needs labels and a capacity of at least 1", p.Labels))
		}
		if p.PickupSeconds[1] < p.PickupSeconds[0] || p.OutageMinutes[1] < p.OutageMinutes[0] {
			errs = append(errs, fmt.Errorf("pool %v: ranges must be [low, high]", p.Labels))
		}
		if p.PricePerMinute < 0 || (!p.Hosted && (p.PricePerMinute != 0 || p.Larger)) {
			errs = append(errs, fmt.Errorf("pool %v: price_per_minute and larger are for hosted pools, and not negative", p.Labels))
		}
		pools[poolKey(p.Labels)] = true
	}
	if len(c.Workflows) == 0 {
		errs = append(errs, errors.New("no workflows"))
	}
	for _, w := range c.Workflows {
		errs = append(errs, w.validate(pools)...)
	}
	if len(c.Failures) == 0 {
		errs = append(errs, errors.New("no failure modes"))
	}
	a := c.Activity
	if a.OfficeStart < 0 || a.OfficeEnd > 24 || a.OfficeStart >= a.OfficeEnd {
		errs = append(errs, errors.New("activity: need 0 <= office_start < office_end <= 24"))
	}
	for name, r := range map[string]float64{"vanish_rate": c.VanishRate, "queue_cancel_rate": c.QueueCancelRate} {
		if r < 0 || r > 1 {
			errs = append(errs, fmt.Errorf("%s %v: want 0 to 1", name, r))
		}
	}
	return errors.Join(errs...)
}

func (w WorkflowConfig) validate(pools map[string]bool) []error {
	var errs []error
	if w.Name == "" || len(w.Stages) == 0 {
		errs = append(errs, fmt.Errorf("workflow %q: needs a name and stages", w.Name))
	}
	for _, on := range w.On {
		if !slices.Contains([]string{"push", "pull_request", "schedule", "workflow_dispatch", "release"}, on) {
			errs = append(errs, fmt.Errorf("workflow %q: unknown trigger %q", w.Name, on))
		}
	}
	if slices.Contains(w.On, "schedule") {
		if _, err := time.Parse("15:04", w.Nightly); err != nil {
			errs = append(errs, fmt.Errorf("workflow %q: schedule needs nightly \"HH:MM\"", w.Name))
		}
	}
	for _, st := range w.Stages {
		for _, j := range st {
			if !pools[poolKey(j.RunsOn)] {
				errs = append(errs, fmt.Errorf("workflow %q job %q: no pool has labels %v", w.Name, j.Name, j.RunsOn))
			}
			if j.Minutes[0] <= 0 || j.Minutes[1] < j.Minutes[0] {
				errs = append(errs, fmt.Errorf("workflow %q job %q: minutes must be [low, high] above 0", w.Name, j.Name))
			}
		}
	}
	return errs
}

// poolKey is how the store groups jobs: labels sorted and joined by ','.
func poolKey(labels []string) string {
	s := slices.Clone(labels)
	slices.Sort(s)
	return strings.Join(s, ",")
}
