package plugin

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ciradar/ciradar/pkg/query"
)

// CostSettings are the settings of the cost and concurrency query types (docs/queries.md,
// "Cost rates"). They live in jsonData, not in the receiver: cost is computed when a panel
// asks, so a rate changed here re-prices all of history at once, and every Grafana
// organisation may price its own runners.
type CostSettings struct {
	// CostRates add to or replace GitHub's published rates (query.DefaultRates), per label.
	CostRates []query.Rate `json:"costRates"`
	// SelfHostedPerMinute prices a minute on a self-hosted runner no rate names.
	SelfHostedPerMinute price `json:"selfHostedPerMinute"`
	// GitHubPlan picks the default hosted concurrency limit: free, pro, team or enterprise.
	GitHubPlan string `json:"githubPlan"`
	// HostedConcurrencyLimit overrides the plan's limit; SelfHostedConcurrencyLimit draws a
	// line for the organisation's own runners (0: none).
	HostedConcurrencyLimit     number `json:"hostedConcurrencyLimit"`
	SelfHostedConcurrencyLimit number `json:"selfHostedConcurrencyLimit"`

	rates query.Rates
}

func (c *CostSettings) defaults() {
	c.GitHubPlan = strings.ToLower(strings.TrimSpace(c.GitHubPlan))
	if c.GitHubPlan == "" {
		c.GitHubPlan = "free"
	}
}

// validate checks the table and builds it once, for every query to use.
func (c *CostSettings) validate() []error {
	var errs []error
	r, err := query.NewRates(c.CostRates, float64(c.SelfHostedPerMinute))
	if err != nil {
		errs = append(errs, err)
	}
	c.rates = r
	if _, ok := query.PlanConcurrency[c.GitHubPlan]; !ok {
		errs = append(errs, fmt.Errorf("githubPlan %q is not one of free, pro, team, enterprise", c.GitHubPlan))
	}
	if c.HostedConcurrencyLimit < 0 || c.SelfHostedConcurrencyLimit < 0 {
		errs = append(errs, fmt.Errorf("concurrency limits must not be negative"))
	}
	return errs
}

// Limits are the concurrency thresholds: the hosted one defaults to the plan's.
func (c CostSettings) Limits() query.ConcurrencyLimits {
	l := query.ConcurrencyLimits{Hosted: int(c.HostedConcurrencyLimit), SelfHosted: int(c.SelfHostedConcurrencyLimit)}
	if l.Hosted == 0 {
		l.Hosted = query.PlanConcurrency[c.GitHubPlan]
	}
	return l
}

// price is a dollar amount that also accepts a numeric string, as provisioning sends it.
type price float64

func (p *price) UnmarshalJSON(b []byte) error {
	v, err := lenient(b, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) }, "a price")
	*p = price(v)
	return err
}
