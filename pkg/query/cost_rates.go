package query

import (
	"fmt"
	"math"
	"strings"
)

// Rate is the price of a minute on runners with one label, in US dollars.
//
// Larger marks a runner GitHub bills in public repositories too (larger runners, and every
// size but the standard ones); standard hosted runners are free in public repositories.
type Rate struct {
	Label     string  `json:"label"`
	PerMinute float64 `json:"perMinute"`
	Larger    bool    `json:"larger,omitempty"`
}

// RatesAsOf and RatesSource name where DefaultRates come from. GitHub lowered its hosted
// runner prices on 2026-01-01; these are the prices from that date.
const (
	RatesAsOf   = "2026-01-01"
	RatesSource = "https://docs.github.com/en/billing/reference/actions-runner-pricing"
)

// DefaultRates are GitHub's published per-minute prices (RatesAsOf, RatesSource) for the
// labels of the standard hosted runners, and for the larger runner labels GitHub's own
// examples use. A larger runner's label is whatever its organisation named it, so most
// installations add their own to the table.
var DefaultRates = []Rate{
	// Standard runners: Linux 1-core $0.002, Linux 2-core $0.006, Windows 2-core $0.010,
	// macOS 3 or 4-core $0.062, arm64 Linux 2-core $0.005, arm64 Windows 2-core $0.008.
	{Label: "ubuntu-slim", PerMinute: 0.002},
	{Label: "ubuntu-latest", PerMinute: 0.006}, {Label: "ubuntu-24.04", PerMinute: 0.006}, {Label: "ubuntu-22.04", PerMinute: 0.006},
	{Label: "ubuntu-24.04-arm", PerMinute: 0.005}, {Label: "ubuntu-22.04-arm", PerMinute: 0.005},
	{Label: "windows-latest", PerMinute: 0.010}, {Label: "windows-2025", PerMinute: 0.010}, {Label: "windows-2022", PerMinute: 0.010},
	{Label: "windows-11-arm", PerMinute: 0.008},
	{Label: "macos-latest", PerMinute: 0.062}, {Label: "macos-26", PerMinute: 0.062}, {Label: "macos-15", PerMinute: 0.062},
	{Label: "macos-14", PerMinute: 0.062}, {Label: "macos-13", PerMinute: 0.062},
	// Larger runners, billed in public repositories as well: macOS 12-core (x64, the -large
	// images) $0.077, macOS 5-core M2 Pro (-xlarge) $0.102, and x64 Linux and Windows by size.
	{Label: "macos-latest-large", PerMinute: 0.077, Larger: true}, {Label: "macos-15-large", PerMinute: 0.077, Larger: true},
	{Label: "macos-latest-xlarge", PerMinute: 0.102, Larger: true}, {Label: "macos-15-xlarge", PerMinute: 0.102, Larger: true},
	{Label: "ubuntu-latest-4-cores", PerMinute: 0.012, Larger: true}, {Label: "ubuntu-latest-8-cores", PerMinute: 0.022, Larger: true},
	{Label: "ubuntu-latest-16-cores", PerMinute: 0.042, Larger: true}, {Label: "ubuntu-latest-32-cores", PerMinute: 0.082, Larger: true},
	{Label: "ubuntu-latest-64-cores", PerMinute: 0.162, Larger: true},
	{Label: "windows-latest-8-cores", PerMinute: 0.042, Larger: true}, {Label: "windows-latest-16-cores", PerMinute: 0.082, Larger: true},
}

// Rates is the price table a cost query applies: per label (lower case), and the price of
// a minute on a self-hosted runner no label prices.
type Rates struct {
	byLabel    map[string]Rate
	selfHosted float64
}

// NewRates builds the table: the defaults, with extra entries added or replacing a default
// of the same label. A negative or non-finite price is an error, naming the label.
func NewRates(extra []Rate, selfHostedPerMinute float64) (Rates, error) {
	r := Rates{byLabel: map[string]Rate{}, selfHosted: selfHostedPerMinute}
	var errs []string
	for _, x := range append(append([]Rate{}, DefaultRates...), extra...) {
		l := strings.ToLower(strings.TrimSpace(x.Label))
		switch {
		case l == "":
			errs = append(errs, "a rate has no label")
		case x.PerMinute < 0 || math.IsNaN(x.PerMinute) || math.IsInf(x.PerMinute, 0):
			errs = append(errs, fmt.Sprintf("rate of %q is %v $/minute: not a price", truncate(x.Label, 80), x.PerMinute))
		default:
			x.Label = l
			r.byLabel[l] = x
		}
	}
	if selfHostedPerMinute < 0 || math.IsNaN(selfHostedPerMinute) || math.IsInf(selfHostedPerMinute, 0) {
		errs = append(errs, fmt.Sprintf("selfHostedPerMinute %v is not a price", selfHostedPerMinute))
	}
	if len(errs) > 0 {
		return Rates{}, fmt.Errorf("cost rates: %s", strings.Join(errs, "; "))
	}
	return r, nil
}

// DefaultRateTable is NewRates with the defaults only, and self-hosted minutes free.
func DefaultRateTable() Rates {
	r, _ := NewRates(nil, 0)
	return r
}

// priced is what a group of jobs of one label set and visibility costs.
type priced struct {
	billable   float64 // minutes GitHub bills (hosted runners, private or larger)
	cost       float64 // dollars, self-hosted minutes at their configured price included
	selfHosted float64 // minutes on self-hosted runners
	unpriced   float64 // minutes on hosted runners whose labels no rate names: cost 0
}

// price applies the table to jobs of labelKey (labels sorted and joined by commas) in a
// repository of the given visibility, run for minutes whole minutes in all.
//
// A job asks for several labels: the one with a rate decides (the dearest if several do).
// A self-hosted job costs its label's rate or the self-hosted default, and GitHub bills
// none of it. A hosted job whose labels no rate names is unpriced: it costs 0 and is
// counted apart, so that a panel can list it. A repository of unknown visibility (jobs
// stored before 0018 and not reprojected) is billed as private: the estimate errs high.
func (r Rates) price(labelKey, visibility string, minutes float64) priced {
	var best Rate
	found, self := false, false
	for _, l := range strings.Split(strings.ToLower(labelKey), ",") {
		if l == "self-hosted" {
			self = true
		}
		if x, ok := r.byLabel[l]; ok && (!found || x.PerMinute > best.PerMinute) {
			best, found = x, true
		}
	}
	switch {
	case self && found:
		return priced{cost: minutes * best.PerMinute, selfHosted: minutes}
	case self:
		return priced{cost: minutes * r.selfHosted, selfHosted: minutes}
	case !found:
		p := priced{unpriced: minutes}
		if visibility != "public" {
			p.billable = minutes // any hosted runner is billed in a private repository
		}
		return p
	case visibility == "public" && !best.Larger:
		return priced{}
	}
	return priced{billable: minutes, cost: minutes * best.PerMinute}
}

func (p *priced) add(o priced) {
	p.billable += o.billable
	p.cost += o.cost
	p.selfHosted += o.selfHosted
	p.unpriced += o.unpriced
}

// Len is the number of labels the table prices.
func (r Rates) Len() int { return len(r.byLabel) }
