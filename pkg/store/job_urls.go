package store

import "strconv"

// A GitHub job's html_url and run_url are stored as NULL when its other columns spell them
// (migration 0030): they were over a quarter of a job's row. jobHTMLURL and jobRunURL are
// the Go twins of the SQL functions job_html_url and job_run_url, and must stay equal to
// them byte for byte (TestJobURLDerivationMatchesSQL).

// jobHTMLURL is the web page GitHub sends as a job's html_url.
func jobHTMLURL(j *Job) string {
	return j.ForgeURL + "/" + j.Repo + "/actions/runs/" + strconv.FormatInt(j.RunID, 10) + "/job/" + strconv.FormatInt(j.JobID, 10)
}

// jobRunURL is the REST URL GitHub sends as a job's run_url: api.github.com for
// github.com, /api/v3 on an Enterprise Server.
func jobRunURL(j *Job) string {
	api := j.ForgeURL + "/api/v3"
	if j.ForgeURL == "https://github.com" {
		api = "https://api.github.com"
	}
	return api + "/repos/" + j.Repo + "/actions/runs/" + strconv.FormatInt(j.RunID, 10)
}

// derivable says whether j's URLs may be left to jobHTMLURL and jobRunURL.
func derivable(j *Job) bool {
	return j.Forge == ForgeGitHub && j.ForgeURL != "" && j.Repo != ""
}

// storedURL is what a URL column holds: nil when derive gives url back exactly.
func storedURL(j *Job, url string, derive func(*Job) string) *string {
	if derivable(j) && url == derive(j) {
		return nil
	}
	return &url
}

// loadedURL is a URL column read back: derived when the row did not store it.
func loadedURL(j *Job, stored *string, derive func(*Job) string) string {
	if stored == nil {
		return derive(j)
	}
	return *stored
}
