// Package dashboards builds CI Radar's Grafana dashboards (dashboards/*.json) and alert
// rules (provisioning/alerting/ciradar.json) with Grafana's own typed builders, the
// Grafana Foundation SDK, so that every panel follows the same conventions: the
// datasource variable, the shared template variables, links between the dashboards and
// to GitHub. What the SDK has no type for is here, small and typed: the CI Radar query,
// the __inputs and __requires of an importable dashboard, and the rules file's envelope.
// The JSON files are its golden output: `go test ./pkg/dashboards -run TestGolden -update`
// rewrites them, and the test fails while they differ from what the code builds.
//
// Its tests also run every panel's and every provisioned alert rule's query through the
// data source plugin against a store seeded by the simulator, and fail on any empty or
// failing answer.
package dashboards
