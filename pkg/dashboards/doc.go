// Package dashboards builds CI Radar's provisioned Grafana dashboards (dashboards/*.json)
// from Go, so that every panel follows the same conventions: the provisioned data source
// uid, the shared template variables, links between the dashboards and to GitHub. The
// JSON files are its golden output: `go test ./pkg/dashboards -run TestGolden -update`
// rewrites them, and the test fails while they differ from what the code builds.
//
// Its tests also run every panel's and every provisioned alert rule's query through the
// data source plugin against a store seeded by the simulator, and fail on any empty or
// failing answer.
package dashboards

//go:generate go test -run TestGolden -update
