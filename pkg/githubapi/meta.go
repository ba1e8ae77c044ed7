package githubapi

import (
	"context"
	"fmt"
	"net/netip"
)

// HookRanges returns the address ranges GitHub sends webhooks from: the "hooks" list of
// GET /meta. The request is conditional like every other, so an unchanged list costs no
// rate limit.
func (c *Client) HookRanges(ctx context.Context) ([]netip.Prefix, error) {
	meta, _, err := c.gh.Meta.Get(sleepy(ctx))
	if err != nil {
		return nil, fmt.Errorf("get /meta: %w", err)
	}
	out := make([]netip.Prefix, 0, len(meta.Hooks))
	for _, h := range meta.Hooks {
		p, err := netip.ParsePrefix(h)
		if err != nil {
			return nil, fmt.Errorf("get /meta: hook range %q: %w", h, err)
		}
		out = append(out, p.Masked())
	}
	if len(out) == 0 {
		// An empty list would lock every sender out; keep the last one instead.
		return nil, fmt.Errorf("get /meta: no hook ranges listed")
	}
	return out, nil
}
