package fakegithub

import (
	"net/http"
	"strconv"
	"time"
)

// UsageItem is one line of the billing usage report, in GitHub's field names.
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

// BillingSource is a Source that knows what its world would be billed. A Source without
// it answers 404, as GitHub does for an organisation without the enhanced billing platform.
type BillingSource interface {
	// BillingUsage is org's usage on one UTC day; ok is false for an unknown org.
	BillingUsage(org string, day time.Time) (items []UsageItem, ok bool)
}

// billingUsage serves GET /organizations/{org}/settings/billing/usage for one day (year,
// month and day given). Config.BillingForbidden makes it answer 403, as GitHub does to a
// token without the organisation's Administration read permission.
func (s *Server) billingUsage(w http.ResponseWriter, r *http.Request) {
	src, ok := s.cfg.Source.(BillingSource)
	if !ok {
		s.notFound(w, r)
		return
	}
	if s.cfg.BillingForbidden {
		s.reply(w, r, http.StatusForbidden, msg("Resource not accessible by personal access token"))
		return
	}
	q := r.URL.Query()
	y, errY := strconv.Atoi(q.Get("year"))
	m, errM := strconv.Atoi(q.Get("month"))
	d, errD := strconv.Atoi(q.Get("day"))
	if errY != nil || errM != nil || errD != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		s.reply(w, r, http.StatusBadRequest, msg("year, month and day are required here"))
		return
	}
	items, ok := src.BillingUsage(r.PathValue("org"), time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC))
	if !ok {
		s.notFound(w, r)
		return
	}
	s.reply(w, r, http.StatusOK, map[string]any{"usageItems": nonNil(items)})
}
