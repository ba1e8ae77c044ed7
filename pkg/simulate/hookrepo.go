package simulate

import (
	"fmt"
	"time"
)

// hookRepoRef is a repository as a workflow run names it (repository, head_repository):
// the identity, the owner and every URL, without counts or settings.
type hookRepoRef struct {
	ID               int64    `json:"id"`
	NodeID           string   `json:"node_id"`
	Name             string   `json:"name"`
	FullName         string   `json:"full_name"`
	Private          bool     `json:"private"`
	Owner            hookUser `json:"owner"`
	HTMLURL          string   `json:"html_url"`
	Description      *string  `json:"description"`
	Fork             bool     `json:"fork"`
	URL              string   `json:"url"`
	ForksURL         string   `json:"forks_url"`
	KeysURL          string   `json:"keys_url"`
	CollaboratorsURL string   `json:"collaborators_url"`
	TeamsURL         string   `json:"teams_url"`
	HooksURL         string   `json:"hooks_url"`
	IssueEventsURL   string   `json:"issue_events_url"`
	EventsURL        string   `json:"events_url"`
	AssigneesURL     string   `json:"assignees_url"`
	BranchesURL      string   `json:"branches_url"`
	TagsURL          string   `json:"tags_url"`
	BlobsURL         string   `json:"blobs_url"`
	GitTagsURL       string   `json:"git_tags_url"`
	GitRefsURL       string   `json:"git_refs_url"`
	TreesURL         string   `json:"trees_url"`
	StatusesURL      string   `json:"statuses_url"`
	LanguagesURL     string   `json:"languages_url"`
	StargazersURL    string   `json:"stargazers_url"`
	ContributorsURL  string   `json:"contributors_url"`
	SubscribersURL   string   `json:"subscribers_url"`
	SubscriptionURL  string   `json:"subscription_url"`
	CommitsURL       string   `json:"commits_url"`
	GitCommitsURL    string   `json:"git_commits_url"`
	CommentsURL      string   `json:"comments_url"`
	IssueCommentURL  string   `json:"issue_comment_url"`
	ContentsURL      string   `json:"contents_url"`
	CompareURL       string   `json:"compare_url"`
	MergesURL        string   `json:"merges_url"`
	ArchiveURL       string   `json:"archive_url"`
	DownloadsURL     string   `json:"downloads_url"`
	IssuesURL        string   `json:"issues_url"`
	PullsURL         string   `json:"pulls_url"`
	MilestonesURL    string   `json:"milestones_url"`
	NotificationsURL string   `json:"notifications_url"`
	LabelsURL        string   `json:"labels_url"`
	ReleasesURL      string   `json:"releases_url"`
	DeploymentsURL   string   `json:"deployments_url"`
}

// hookRepo is the repository member of a delivery: the reference and its state.
type hookRepo struct {
	hookRepoRef
	CreatedAt                *string        `json:"created_at"`
	UpdatedAt                *string        `json:"updated_at"`
	PushedAt                 *string        `json:"pushed_at"`
	GitURL                   string         `json:"git_url"`
	SSHURL                   string         `json:"ssh_url"`
	CloneURL                 string         `json:"clone_url"`
	SvnURL                   string         `json:"svn_url"`
	Homepage                 *string        `json:"homepage"`
	Size                     int64          `json:"size"`
	StargazersCount          int64          `json:"stargazers_count"`
	WatchersCount            int64          `json:"watchers_count"`
	Language                 *string        `json:"language"`
	HasIssues                bool           `json:"has_issues"`
	HasProjects              bool           `json:"has_projects"`
	HasDownloads             bool           `json:"has_downloads"`
	HasWiki                  bool           `json:"has_wiki"`
	HasPages                 bool           `json:"has_pages"`
	HasDiscussions           bool           `json:"has_discussions"`
	ForksCount               int64          `json:"forks_count"`
	MirrorURL                *string        `json:"mirror_url"`
	Archived                 bool           `json:"archived"`
	Disabled                 bool           `json:"disabled"`
	OpenIssuesCount          int64          `json:"open_issues_count"`
	License                  *hookLicense   `json:"license"`
	AllowForking             bool           `json:"allow_forking"`
	IsTemplate               bool           `json:"is_template"`
	WebCommitSignoffRequired bool           `json:"web_commit_signoff_required"`
	Topics                   []string       `json:"topics"`
	Visibility               string         `json:"visibility"`
	Forks                    int64          `json:"forks"`
	OpenIssues               int64          `json:"open_issues"`
	Watchers                 int64          `json:"watchers"`
	DefaultBranch            string         `json:"default_branch"`
	CustomProperties         map[string]any `json:"custom_properties"`
}

type hookLicense struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	SpdxID string `json:"spdx_id"`
	URL    string `json:"url"`
	NodeID string `json:"node_id"`
}

var (
	licenses = []hookLicense{
		{Key: "mit", Name: "MIT License", SpdxID: "MIT", NodeID: "MDc6TGljZW5zZTEz"},
		{Key: "apache-2.0", Name: "Apache License 2.0", SpdxID: "Apache-2.0", NodeID: "MDc6TGljZW5zZTI="},
		{Key: "gpl-3.0", Name: "GNU General Public License v3.0", SpdxID: "GPL-3.0", NodeID: "MDc6TGljZW5zZTk="},
		{Key: "bsd-3-clause", Name: `BSD 3-Clause "New" or "Revised" License`, SpdxID: "BSD-3-Clause", NodeID: "MDc6TGljZW5zZTU="},
	}
	languages = []string{"Go", "TypeScript", "Python", "Java", "Rust", "Kotlin", "Ruby", "C++", "Shell"}
	repoBlurb = []string{"The %s %s: what runs in production", "%s %s for the platform teams",
		"Source of the %s %s, with its deployment and runbooks", "%s — %s (internal)"}
)

// repoTrait draws the k-th stable trait of a repository.
func repoTrait(r *Repo, k uint64, n int) int { return int(hash64(uint64(r.ID), 11, k) % uint64(n)) }

func newHookRepoRef(r *Repo) hookRepoRef {
	full := r.FullName()
	u := apiBase + "/repos/" + full
	ref := hookRepoRef{ID: r.ID, NodeID: newNodeID("R", r.ID), Name: r.Name, FullName: full, Private: !r.Public,
		Owner: newHookUser(r.Org.Name, "Organization", r.Org.ID), HTMLURL: webBase + "/" + full, URL: u,
		ForksURL: u + "/forks", KeysURL: u + "/keys{/key_id}", CollaboratorsURL: u + "/collaborators{/collaborator}",
		TeamsURL: u + "/teams", HooksURL: u + "/hooks", IssueEventsURL: u + "/issues/events{/number}",
		EventsURL: u + "/events", AssigneesURL: u + "/assignees{/user}", BranchesURL: u + "/branches{/branch}",
		TagsURL: u + "/tags", BlobsURL: u + "/git/blobs{/sha}", GitTagsURL: u + "/git/tags{/sha}",
		GitRefsURL: u + "/git/refs{/sha}", TreesURL: u + "/git/trees{/sha}", StatusesURL: u + "/statuses/{sha}",
		LanguagesURL: u + "/languages", StargazersURL: u + "/stargazers", ContributorsURL: u + "/contributors",
		SubscribersURL: u + "/subscribers", SubscriptionURL: u + "/subscription", CommitsURL: u + "/commits{/sha}",
		GitCommitsURL: u + "/git/commits{/sha}", CommentsURL: u + "/comments{/number}",
		IssueCommentURL: u + "/issues/comments{/number}", ContentsURL: u + "/contents/{+path}",
		CompareURL: u + "/compare/{base}...{head}", MergesURL: u + "/merges", ArchiveURL: u + "/{archive_format}{/ref}",
		DownloadsURL: u + "/downloads", IssuesURL: u + "/issues{/number}", PullsURL: u + "/pulls{/number}",
		MilestonesURL: u + "/milestones{/number}", NotificationsURL: u + "/notifications{?since,all,participating}",
		LabelsURL: u + "/labels{/name}", ReleasesURL: u + "/releases{/id}", DeploymentsURL: u + "/deployments"}
	if repoTrait(r, 1, 5) > 0 {
		words := splitRepoName(r.Name)
		ref.Description = ptr(fmt.Sprintf(repoBlurb[repoTrait(r, 2, len(repoBlurb))], words[0], words[1]))
	}
	return ref
}

func splitRepoName(name string) [2]string {
	for i := 0; i < len(name); i++ {
		if name[i] == '-' {
			return [2]string{name[:i], name[i+1:]}
		}
	}
	return [2]string{name, "repository"}
}

// newHookRepo is r as a delivery at now shows it: its counts grow and its last push
// follows the clock, the rest is fixed per repository.
func newHookRepo(r *Repo, now time.Time) hookRepo {
	ref := newHookRepoRef(r)
	days := int64(now.Sub(time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	created := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(hash64(uint64(r.ID), 12)%uint64(max(days-30, 1)*86400)) * time.Second)
	age := int64(now.Sub(created) / time.Hour)
	stars := int64(repoTrait(r, 3, 40))
	if r.Public {
		stars = stars*int64(1+repoTrait(r, 4, 60)) + age/500
	}
	forks := stars / int64(3+repoTrait(r, 5, 9))
	issues := int64(repoTrait(r, 6, 120)) + age%17
	pushed := now.Add(-time.Duration(hash64(uint64(r.ID), uint64(now.Unix()/60))%600) * time.Second)
	h := hookRepo{hookRepoRef: ref, CreatedAt: hookTS(created), UpdatedAt: hookTS(pushed.Add(-time.Duration(age%7200) * time.Second)),
		PushedAt: hookTS(pushed), GitURL: "git://github.com/" + ref.FullName + ".git", SSHURL: "git@github.com:" + ref.FullName + ".git",
		CloneURL: ref.HTMLURL + ".git", SvnURL: ref.HTMLURL, Size: int64(hash64(uint64(r.ID), 13)%400_000) + age/24,
		StargazersCount: stars, WatchersCount: stars, HasIssues: repoTrait(r, 7, 10) > 0, HasProjects: repoTrait(r, 8, 2) == 0,
		HasDownloads: true, HasWiki: repoTrait(r, 9, 3) > 0, HasPages: repoTrait(r, 10, 4) == 0,
		HasDiscussions: repoTrait(r, 14, 5) == 0, ForksCount: forks, OpenIssuesCount: issues,
		AllowForking: r.Public || repoTrait(r, 15, 2) == 0, WebCommitSignoffRequired: repoTrait(r, 16, 8) == 0,
		Topics: []string{}, Visibility: r.Visibility(), Forks: forks, OpenIssues: issues, Watchers: stars,
		DefaultBranch: "main", CustomProperties: map[string]any{}}
	if i := repoTrait(r, 17, len(languages)+1); i < len(languages) {
		h.Language = &languages[i]
	}
	if r.Public || repoTrait(r, 18, 4) == 0 {
		l := licenses[repoTrait(r, 19, len(licenses))]
		l.URL = apiBase + "/licenses/" + l.Key
		h.License = &l
	}
	if repoTrait(r, 20, 3) == 0 {
		h.Homepage = ptr(fmt.Sprintf("https://%s.%s.dev", r.Name, r.Org.Name))
	}
	words := splitRepoName(r.Name)
	for i := range repoTrait(r, 21, 6) {
		h.Topics = append(h.Topics, [...]string{words[0], words[1], "ci", "platform", r.Org.Name, "kubernetes"}[i])
	}
	if repoTrait(r, 22, 3) == 0 {
		h.CustomProperties = map[string]any{"team": words[0], "tier": fmt.Sprintf("tier-%d", 1+repoTrait(r, 23, 3))}
	}
	return h
}
