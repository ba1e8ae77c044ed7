//go:build ignore

// Command plugincheck runs the offline analyzers of Grafana's plugin validator
// (github.com/grafana/plugin-validator) one by one against a plugin archive and the source
// tree it was built from. It is not part of the ciradar module (hence the ignore tag):
// `go tool mage validate` copies it into a throwaway module that requires the validator at
// its exact version, builds it there and runs it, so that the validator's many dependencies
// stay out of our go.mod.
//
// Nothing here may reach the network: http.DefaultTransport refuses every request, the
// plugin.json schema is the validator module's own copy (the validator fetches it from
// GitHub), and the analyzers that need grafana.com, GitHub, osv.dev, an LLM or an external
// scanner are not run at all (docs/plugin.md says which and why).
//
// Usage: plugincheck -source DIR -schema FILE [-allow rule,...] [-v] ARCHIVE.zip
//
// It exits 1 on any error diagnostic, any analyzer failure, and any warning not named in
// -allow, so that a new warning has to be looked at and documented before it is accepted.
package main

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/grafana/plugin-validator/pkg/analysis"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/archive"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/archivename"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/backendbinary"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/backenddebug"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/binarypermissions"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/brokenlinks"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/buildtools"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/changelog"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/circulardependencies"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/discoverability"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/gomanifest"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/grafanadependency"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/includesnested"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/jargon"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/jssourcemap"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/legacybuilder"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/license"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/logos"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/manifest"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/metadata"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/metadatapaths"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/metadataschema"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/metadatavalid"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/modulejs"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/nestedmetadata"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/packagejson"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/pluginname"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/readme"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/restrictivedep"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/screenshots"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/signature"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/sourcecode"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/sponsorshiplink"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/templatereadme"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/trackingscripts"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/typesuffix"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/unsafesvg"
	"github.com/grafana/plugin-validator/pkg/analysis/passes/version"
	"github.com/grafana/plugin-validator/pkg/archivetool"
	"github.com/grafana/plugin-validator/pkg/runner"
)

// offline are the analyzers that need no network, in the order they are run. Three of them
// go online only in part, and that part is refused here:
//   - published (a dependency of several) asks grafana.com whether the plugin is already in the
//     catalogue; the validator reads a failed request as "not published", as for a new plugin.
//   - brokenlinks fetches every absolute link (rule broken-link, disabled below); its
//     relative-link rule, which reads the README only, stays on.
//   - circulardependencies asks grafana.com about plugins named in dependencies.plugins, and
//     only then: ours names none.
var offline = []*analysis.Analyzer{
	archive.Analyzer,
	archivename.Analyzer,
	metadata.Analyzer,
	metadatapaths.Analyzer,
	metadatavalid.Analyzer,
	nestedmetadata.Analyzer,
	includesnested.Analyzer,
	circulardependencies.Analyzer,
	typesuffix.Analyzer,
	pluginname.Analyzer,
	version.Analyzer,
	grafanadependency.Analyzer,
	restrictivedep.Analyzer,
	discoverability.Analyzer,
	sponsorshiplink.Analyzer,
	logos.Analyzer,
	screenshots.Analyzer,
	unsafesvg.Analyzer,
	readme.Analyzer,
	brokenlinks.Analyzer,
	templatereadme.Analyzer,
	jargon.Analyzer,
	changelog.Analyzer,
	license.Analyzer,
	modulejs.Analyzer,
	trackingscripts.Analyzer,
	backendbinary.Analyzer,
	backenddebug.Analyzer,
	binarypermissions.Analyzer,
	manifest.Analyzer,
	signature.Analyzer,
	sourcecode.Analyzer,
	gomanifest.Analyzer,
	packagejson.Analyzer,
	legacybuilder.Analyzer,
	buildtools.Analyzer,
	jssourcemap.Analyzer,
}

// refuse is the transport of every default HTTP client: no analyzer run here goes online.
type refuse struct{}

func (refuse) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("offline check: request to %s refused", r.URL.Host)
}

func main() {
	source := flag.String("source", "", "the source tree the archive was built from")
	schema := flag.String("schema", "", "plugin.schema.json (the validator module's config/plugin.schema.json)")
	allow := flag.String("allow", "", "comma-separated rule names whose warnings are expected")
	verbose := flag.Bool("v", false, "also print the checks that passed")
	flag.Parse()
	if flag.NArg() != 1 || *source == "" || *schema == "" {
		fmt.Fprintln(os.Stderr, "usage: plugincheck -source DIR -schema FILE [-allow rule,...] [-v] ARCHIVE.zip")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *source, *schema, strings.Split(*allow, ","), *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "plugincheck:", err)
		os.Exit(1)
	}
}

func run(archivePath, source, schemaPath string, allowed []string, verbose bool) error {
	http.DefaultTransport = refuse{}
	schema, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	metadataschema.Analyzer.Run = func(*analysis.Pass) (any, error) { return schema, nil }

	b, err := os.ReadFile(archivePath)
	if err != nil {
		return err
	}
	dir, cleanup, err := archivetool.ExtractPlugin(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("extract %s: %w", archivePath, err)
	}
	defer cleanup()
	params := analysis.CheckParams{
		ArchiveFile:           archivePath,
		ArchiveDir:            dir,
		SourceCodeDir:         source,
		SourceCodeReference:   "file://" + source,
		ArchiveCalculatedMD5:  fmt.Sprintf("%x", md5.Sum(b)),
		ArchiveCalculatedSHA1: fmt.Sprintf("%x", sha1.Sum(b)),
	}
	// ReportAll makes the analyzers say what passed as well.
	off := false
	cfg := runner.Config{
		Global: runner.GlobalConfig{Enabled: true, ReportAll: true},
		Analyzers: map[string]runner.AnalyzerConfig{
			"brokenlinks": {Rules: map[string]runner.RuleConfig{"broken-link": {Enabled: &off}}},
		},
	}

	var problems []string
	for _, a := range offline {
		// One run per analyzer, as `plugincheck2 -analyzer` does, so that one failing does not
		// hide the others; its dependencies run again each time and report under their own names.
		diags, err := runner.Check([]*analysis.Analyzer{a}, params, cfg, "")
		if err != nil {
			fmt.Printf("%-20s %-7s %v\n", a.Name, "FAILED", err)
			problems = append(problems, a.Name+" failed")
			continue
		}
		own := diags[a.Name]
		if len(own) == 0 {
			fmt.Printf("%-20s %-7s (nothing to report)\n", a.Name, "ok")
		}
		for _, d := range own {
			switch {
			case d.Severity == analysis.OK && !verbose:
				fmt.Printf("%-20s %-7s %s\n", a.Name, "ok", d.Title)
				continue
			case d.Severity == analysis.Error:
				problems = append(problems, fmt.Sprintf("%s: %s", a.Name, d.Title))
			case d.Severity == analysis.Warning && !contains(allowed, d.Name):
				problems = append(problems, fmt.Sprintf("%s: unexpected warning %s: %s", a.Name, d.Name, d.Title))
			case d.Severity == analysis.Warning:
				d.Severity = "kept" // an expected warning, explained in docs/plugin.md
			}
			fmt.Printf("%-20s %-7s %s [%s]\n", a.Name, d.Severity, d.Title, d.Name)
			if d.Detail != "" && d.Severity != analysis.OK {
				fmt.Printf("%-20s %-7s %s\n", "", "", d.Detail)
			}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	fmt.Printf("%d offline analyzers: no errors, no unexpected warnings\n", len(offline))
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v != "" && v == s {
			return true
		}
	}
	return false
}
