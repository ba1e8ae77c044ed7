// Command gpx_ciradar is the CI Radar Grafana data source backend. Grafana starts it and
// talks to it over gRPC; everything it does lives in package plugin.
package main

import (
	"os"

	"github.com/ciradar/ciradar/pkg/plugin"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"
)

func main() {
	if err := datasource.Manage("ciradar-ciradar-datasource", plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error("gpx_ciradar stopped", "error", err.Error())
		os.Exit(1)
	}
}
