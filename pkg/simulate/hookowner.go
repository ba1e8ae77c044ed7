package simulate

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// The webhook bodies carry GitHub's full shape: every member of the real examples in
// pkg/fixtures/testdata, with values that vary per organisation, repository, user and run,
// so that what the store compresses is as hard to compress as GitHub's own deliveries
// (TestPayloadShape holds the members and sizes to the examples). go-github's types drop
// members and nulls (omitempty), so the envelope has its own types, in GitHub's order.

const (
	webBase    = "https://github.com"
	avatarBase = "https://avatars.githubusercontent.com"
	hookTime   = "2006-01-02T15:04:05Z"
)

// hookTS is a timestamp as webhooks spell it; nil (JSON null) for the zero time.
func hookTS(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(hookTime)
	return &s
}

// legacyNodeID is GitHub's first node id format: base64 of "NN:TypeID".
func legacyNodeID(n int, typ string, id int64) string {
	return base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%02d:%s%d", n, typ, id))
}

// newNodeID is GitHub's current node id format: a type prefix and packed binary id.
func newNodeID(prefix string, id int64) string {
	b := []byte{0, byte(id >> 32), byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	return prefix + "_kgDO" + base64.RawURLEncoding.EncodeToString(b)
}

// hookUser is a user, bot or organisation as an owner, sender, actor or creator.
type hookUser struct {
	Login             string `json:"login"`
	ID                int64  `json:"id"`
	NodeID            string `json:"node_id"`
	AvatarURL         string `json:"avatar_url"`
	GravatarID        string `json:"gravatar_id"`
	URL               string `json:"url"`
	HTMLURL           string `json:"html_url"`
	FollowersURL      string `json:"followers_url"`
	FollowingURL      string `json:"following_url"`
	GistsURL          string `json:"gists_url"`
	StarredURL        string `json:"starred_url"`
	SubscriptionsURL  string `json:"subscriptions_url"`
	OrganizationsURL  string `json:"organizations_url"`
	ReposURL          string `json:"repos_url"`
	EventsURL         string `json:"events_url"`
	ReceivedEventsURL string `json:"received_events_url"`
	Type              string `json:"type"`
	SiteAdmin         bool   `json:"site_admin"`
}

// userID is a login's stable id: users keep theirs across repositories and worlds.
func userID(login string) int64 {
	return int64(hash64(uint64(len(login)), fnvString(login))%90_000_000) + 1_000_000
}

func fnvString(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

func newHookUser(login, typ string, id int64) hookUser {
	u := apiBase + "/users/" + login
	node := legacyNodeID(4, "User", id)
	html := webBase + "/" + login
	switch typ {
	case "Organization":
		node = legacyNodeID(12, "Organization", id)
	case "Bot":
		node = legacyNodeID(3, "Bot", id)
		html = webBase + "/apps/" + strings.TrimSuffix(login, "[bot]")
	}
	return hookUser{Login: login, ID: id, NodeID: node, AvatarURL: fmt.Sprintf("%s/u/%d?v=4", avatarBase, id),
		URL: u, HTMLURL: html, FollowersURL: u + "/followers", FollowingURL: u + "/following{/other_user}",
		GistsURL: u + "/gists{/gist_id}", StarredURL: u + "/starred{/owner}{/repo}",
		SubscriptionsURL: u + "/subscriptions", OrganizationsURL: u + "/orgs", ReposURL: u + "/repos",
		EventsURL: u + "/events{/privacy}", ReceivedEventsURL: u + "/received_events", Type: typ}
}

// hookActor is a run's actor or a delivery's sender.
func hookActor(login string) hookUser {
	typ := "User"
	if strings.HasSuffix(login, "[bot]") {
		typ = "Bot"
	}
	return newHookUser(login, typ, userID(login))
}

// hookOrg is the organization member of a delivery.
type hookOrg struct {
	Login            string `json:"login"`
	ID               int64  `json:"id"`
	NodeID           string `json:"node_id"`
	URL              string `json:"url"`
	ReposURL         string `json:"repos_url"`
	EventsURL        string `json:"events_url"`
	HooksURL         string `json:"hooks_url"`
	IssuesURL        string `json:"issues_url"`
	MembersURL       string `json:"members_url"`
	PublicMembersURL string `json:"public_members_url"`
	AvatarURL        string `json:"avatar_url"`
	Description      string `json:"description"`
}

var orgMottos = []string{"", "Building the platform our customers run on.", "Open source at %s.",
	"%s engineering", "Tools, services and infrastructure of %s."}

func newHookOrg(o *Org) hookOrg {
	u := apiBase + "/orgs/" + o.Name
	motto := orgMottos[hash64(uint64(o.ID), 7)%uint64(len(orgMottos))]
	if strings.Contains(motto, "%s") {
		motto = fmt.Sprintf(motto, o.Name)
	}
	return hookOrg{Login: o.Name, ID: o.ID, NodeID: legacyNodeID(12, "Organization", o.ID), URL: u,
		ReposURL: u + "/repos", EventsURL: u + "/events", HooksURL: u + "/hooks", IssuesURL: u + "/issues",
		MembersURL: u + "/members{/member}", PublicMembersURL: u + "/public_members{/member}",
		AvatarURL: fmt.Sprintf("%s/u/%d?v=4", avatarBase, o.ID), Description: motto}
}

// hookInstallation is the GitHub App installation a delivery came through: CI Radar
// installed as an App on the organisation, which GitHub names beside the organisation.
type hookInstallation struct {
	ID     int64  `json:"id"`
	NodeID string `json:"node_id"`
}

func newHookInstallation(o *Org) hookInstallation {
	id := 20_000_000 + o.ID%10_000_000
	return hookInstallation{ID: id, NodeID: legacyNodeID(23, "IntegrationInstallation", id)}
}
