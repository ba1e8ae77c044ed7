package githubapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-github/v62/github"
)

// UsageItem is one line of GitHub's billing usage report (enhanced billing platform).
type UsageItem struct {
	Date           string  `json:"date"`
	Product        string  `json:"product"`
	SKU            string  `json:"sku"`
	Quantity       float64 `json:"quantity"`
	UnitType       string  `json:"unitType"`
	PricePerUnit   float64 `json:"pricePerUnit"`
	GrossAmount    float64 `json:"grossAmount"`
	DiscountAmount float64 `json:"discountAmount"`
	NetAmount      float64 `json:"netAmount"`
	OrgName        string  `json:"organizationName"`
	RepositoryName string  `json:"repositoryName"`
}

// BillingUsage reads an organisation's usage report for one UTC day:
// GET /organizations/{org}/settings/billing/usage?year=&month=&day=. It needs the
// organisation's Administration read permission and the enhanced billing platform; without
// either GitHub answers 403 or 404, which IsUnavailable recognises.
func (c *Client) BillingUsage(ctx context.Context, org string, day time.Time) ([]UsageItem, error) {
	day = day.UTC()
	u := fmt.Sprintf("organizations/%s/settings/billing/usage?year=%d&month=%d&day=%d", org, day.Year(), int(day.Month()), day.Day())
	req, err := c.gh.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("billing usage of %s: %w", org, err)
	}
	var body struct {
		UsageItems []UsageItem `json:"usageItems"`
	}
	if _, err := c.gh.Do(sleepy(ctx), req, &body); err != nil {
		return nil, fmt.Errorf("billing usage of %s on %s: %w", org, day.Format(time.DateOnly), err)
	}
	return body.UsageItems, nil
}

// IsUnavailable reports whether err means the token may not read the report (403), or the
// organisation has no enhanced billing platform (404): asking again soon will not help.
func IsUnavailable(err error) (code int, ok bool) {
	var ge *github.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil {
		code = ge.Response.StatusCode
	}
	var se *StatusError
	if errors.As(err, &se) {
		code = se.Code
	}
	return code, code == http.StatusForbidden || code == http.StatusNotFound
}
