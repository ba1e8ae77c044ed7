package dashboards

// All builds every provisioned dashboard, in the order the docs describe them. The file
// name of each is its uid without the "ciradar-" prefix.
func All() []*Dashboard {
	return []*Dashboard{Overview(), Queues(), Builds(), Nightly(), Status()}
}

// FileName is where a dashboard lives under dashboards/.
func FileName(d *Dashboard) string { return d.UID[len("ciradar-"):] + ".json" }
