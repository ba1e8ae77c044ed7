package simulate_test

import (
	"strings"
	"testing"

	"github.com/ciradar/ciradar/pkg/simulate"
)

// The cost fields of a world are checked with the rest: a bad one is named, never run.
func TestCostConfigValidates(t *testing.T) {
	cases := []struct {
		name    string
		edit    func(c *simulate.Config)
		wantErr string
	}{
		{"the default world", func(*simulate.Config) {}, ""},
		{"public share above one", func(c *simulate.Config) { c.Orgs[0].PublicShare = 1.5 }, "public_share"},
		{"negative price", func(c *simulate.Config) { c.Pools[0].PricePerMinute = -0.01 }, "price_per_minute"},
		{"a price on a self-hosted pool", func(c *simulate.Config) { c.Pools[3].PricePerMinute = 0.01 }, "price_per_minute"},
		{"a larger self-hosted pool", func(c *simulate.Config) { c.Pools[3].Larger = true }, "price_per_minute"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := simulate.DefaultConfig()
			c.edit(&cfg)
			err := cfg.Validate()
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one naming %s", err, c.wantErr)
			}
		})
	}
}
