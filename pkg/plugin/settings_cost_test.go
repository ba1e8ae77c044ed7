package plugin

import (
	"strings"
	"testing"

	"github.com/ciradar/ciradar/pkg/query"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// The cost settings: defaults, provisioning's strings, the plan's limit, and every bad
// value reported by name.
func TestCostSettings(t *testing.T) {
	cases := []struct {
		name    string
		json    string
		limits  query.ConcurrencyLimits
		wantErr string
	}{
		{"defaults: the Free plan's limit", `{}`, query.ConcurrencyLimits{Hosted: 20}, ""},
		{"a plan", `{"githubPlan": "Enterprise"}`, query.ConcurrencyLimits{Hosted: 500}, ""},
		{"an explicit limit beats the plan", `{"githubPlan": "team", "hostedConcurrencyLimit": "75", "selfHostedConcurrencyLimit": 12}`,
			query.ConcurrencyLimits{Hosted: 75, SelfHosted: 12}, ""},
		{"rates and a self-hosted price as a string", `{"costRates": [{"label": "big-box", "perMinute": 0.05, "larger": true}], "selfHostedPerMinute": "0.002"}`,
			query.ConcurrencyLimits{Hosted: 20}, ""},
		{"unknown plan", `{"githubPlan": "gold"}`, query.ConcurrencyLimits{}, `githubPlan "gold"`},
		{"negative rate", `{"costRates": [{"label": "x", "perMinute": -1}]}`, query.ConcurrencyLimits{}, `rate of "x"`},
		{"price not a number", `{"selfHostedPerMinute": "cheap"}`, query.ConcurrencyLimits{}, `"cheap" is not a price`},
		{"negative limit", `{"hostedConcurrencyLimit": -5}`, query.ConcurrencyLimits{}, "must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(c.json)})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one saying %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Limits(); got != c.limits {
				t.Errorf("limits %+v, want %+v", got, c.limits)
			}
			if want := len(query.DefaultRates) + strings.Count(c.json, `"label"`); s.rates.Len() != want {
				t.Errorf("the table prices %d labels, want %d", s.rates.Len(), want)
			}
		})
	}
}
