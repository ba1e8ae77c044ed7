package dashboards

// The tests read the committed files into these types of their own rather than the SDK's,
// so that they check the JSON Grafana loads, whatever the generator did.

// Ref is a data source reference as Grafana stores it in dashboards.
type Ref struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// Dashboard is the part of a committed dashboard file the tests read.
type Dashboard struct {
	Inputs        []Input     `json:"__inputs"`
	UID           string      `json:"uid"`
	Title         string      `json:"title"`
	Description   string      `json:"description"`
	Tags          []string    `json:"tags"`
	Editable      bool        `json:"editable"`
	GraphTooltip  int         `json:"graphTooltip"`
	Refresh       string      `json:"refresh"`
	SchemaVersion int         `json:"schemaVersion"`
	Time          TimeRange   `json:"time"`
	Timezone      string      `json:"timezone"`
	Links         []Link      `json:"links"`
	Templating    Templating  `json:"templating"`
	Annotations   Annotations `json:"annotations"`
	Panels        []*Panel    `json:"panels"`
	Version       int         `json:"version"`
}

// TimeRange is a dashboard's default range, in Grafana's relative syntax.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Link is a dashboard link; CI Radar's link every dashboard tagged ciradar.
type Link struct {
	Title       string   `json:"title"`
	Type        string   `json:"type"`
	Tags        []string `json:"tags"`
	AsDropdown  bool     `json:"asDropdown"`
	IncludeVars bool     `json:"includeVars"`
	KeepTime    bool     `json:"keepTime"`
	TargetBlank bool     `json:"targetBlank"`
}

// Templating holds the template variables.
type Templating struct {
	List []*Variable `json:"list"`
}

// Variable is a query variable on the CI Radar data source: its query is the variable
// query of src/types.ts (GET /variables/{name}, narrowed by org and repo).
type Variable struct {
	Name       string         `json:"name"`
	Label      string         `json:"label"`
	Type       string         `json:"type"`
	Datasource *Ref           `json:"datasource"`
	Query      any            `json:"query"` // a map; the plugin id for the datasource variable
	Definition string         `json:"definition"`
	Regex      string         `json:"regex"`
	Refresh    int            `json:"refresh"`
	Sort       int            `json:"sort"`
	Multi      bool           `json:"multi"`
	IncludeAll bool           `json:"includeAll"`
	AllValue   string         `json:"allValue"`
	Current    map[string]any `json:"current"`
	Options    []any          `json:"options"`
	Hide       int            `json:"hide"`
}

// Annotations holds the annotation queries.
type Annotations struct {
	List []*Annotation `json:"list"`
}

// Annotation is an annotation query; Target holds the CI Radar query.
type Annotation struct {
	Name       string         `json:"name"`
	Datasource *Ref           `json:"datasource"`
	Enable     bool           `json:"enable"`
	Hide       bool           `json:"hide"`
	IconColor  string         `json:"iconColor"`
	BuiltIn    int            `json:"builtIn,omitempty"`
	Type       string         `json:"type,omitempty"`
	Target     map[string]any `json:"target,omitempty"`
}

// Panel is one panel. Options and FieldConfig stay loose maps: each panel type has its own.
type Panel struct {
	ID              int              `json:"id"`
	Type            string           `json:"type"`
	Title           string           `json:"title"`
	Description     string           `json:"description"`
	GridPos         GridPos          `json:"gridPos"`
	Datasource      *Ref             `json:"datasource,omitempty"`
	Targets         []map[string]any `json:"targets,omitempty"`
	TimeFrom        string           `json:"timeFrom,omitempty"`
	Interval        string           `json:"interval,omitempty"`
	MaxDataPoints   int              `json:"maxDataPoints,omitempty"`
	FieldConfig     FieldConfig      `json:"fieldConfig"`
	Options         map[string]any   `json:"options"`
	Transformations []map[string]any `json:"transformations,omitempty"`
	Links           []map[string]any `json:"links,omitempty"`
}

// GridPos places a panel on the 24-column grid.
type GridPos struct {
	H int `json:"h"`
	W int `json:"w"`
	X int `json:"x"`
	Y int `json:"y"`
}

// FieldConfig is a panel's field defaults and overrides.
type FieldConfig struct {
	Defaults  map[string]any `json:"defaults"`
	Overrides []Override     `json:"overrides"`
}

// Override applies properties to the fields a matcher picks.
type Override struct {
	Matcher    Matcher    `json:"matcher"`
	Properties []Property `json:"properties"`
}

// Matcher picks fields; byName matches the field's own name, labels or not.
type Matcher struct {
	ID      string `json:"id"`
	Options any    `json:"options"`
}

// Property is one field setting.
type Property struct {
	ID    string `json:"id"`
	Value any    `json:"value"`
}
