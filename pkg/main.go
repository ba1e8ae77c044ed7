// Command gpx_ciradar is the CI Radar Grafana data source backend. Grafana starts it and
// talks to it over gRPC; everything it does lives in package plugin.
package main

import (
	"os"

	"github.com/ciradar/ciradar/pkg/plugin"
	"github.com/ciradar/ciradar/pkg/version"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

func main() {
	// Version and commit are stamped by the Magefile (-ldflags -X); the SDK's own build info
	// (`gpx_ciradar -buildinfo`) carries the version and plugin id.
	v := version.Get()
	log.DefaultLogger.Info("gpx_ciradar starting", "version", v.Version, "commit", v.Commit, "go", v.GoVersion)
	if err := datasource.Manage("ciradar-ciradar-datasource", plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("gpx_ciradar stopped", "error", err.Error())
		os.Exit(1)
	}
}
