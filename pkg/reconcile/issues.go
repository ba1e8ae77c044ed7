package reconcile

import (
	"context"
	"errors"
	"strings"

	"github.com/ciradar/ciradar/pkg/githubapi"
	"github.com/ciradar/ciradar/pkg/store"
)

// linkIssues looks for the GitHub issue that tracks each error signature: one whose
// title or body carries the signature's id (its hash), in the organisations the error hit.
// GitHub's search API allows 30 requests a minute, so a cycle asks about at most
// MaxIssueSearches signatures: those never asked about first, then the ones asked about
// longest ago (IssueRecheck). The searches are conditional, so an unchanged answer costs
// no rate limit.
func (r *Reconciler) linkIssues(ctx context.Context, st *CycleStats) error {
	if r.cfg.MaxIssueSearches < 0 {
		return nil
	}
	now := r.cfg.Now()
	sigs, err := r.cfg.Store.SignaturesToLink(ctx, now.Add(-r.cfg.IssueRecheck), r.cfg.MaxIssueSearches)
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range sigs {
		if len(s.Orgs) == 0 {
			// No organisation to keep the search to: a search of all of GitHub would find
			// strangers' issues. Mark it looked at, so it does not block the queue.
			if err := r.cfg.Store.SaveIssueLink(ctx, store.IssueLink{Hash: s.Hash, CheckedAt: now}); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		hits, err := r.cfg.API.IssuesMentioning(ctx, s.Hash, s.Orgs)
		st.IssueSearches++
		if err != nil {
			// A search that fails (GitHub Enterprise Server without search, an exhausted
			// limit) is not retried every cycle; a link already found is kept.
			errs = append(errs, err)
			if merr := r.cfg.Store.MarkIssueChecked(ctx, s.Hash, now); merr != nil {
				errs = append(errs, merr)
			}
			continue
		}
		l := store.IssueLink{Hash: s.Hash, CheckedAt: now}
		if best, ok := pickIssue(hits, s.Hash); ok {
			l.URL, l.Title, l.State = best.URL, best.Title, best.State
			st.IssuesLinked++
		}
		if err := r.cfg.Store.SaveIssueLink(ctx, l); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// pickIssue takes the most recently updated open issue that really carries the id (a
// search matches words, and the id must be there whole), else the most recent closed one.
func pickIssue(hits []githubapi.Issue, hash string) (githubapi.Issue, bool) {
	var closed *githubapi.Issue
	for i, h := range hits {
		if h.URL == "" || !strings.Contains(strings.ToLower(h.Title+"\n"+h.Body), hash) {
			continue
		}
		if h.State == "open" {
			return h, true
		}
		if closed == nil {
			closed = &hits[i]
		}
	}
	if closed != nil {
		return *closed, true
	}
	return githubapi.Issue{}, false
}
