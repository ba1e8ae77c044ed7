package plugin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// number is a whole-number setting that also accepts a numeric string. Grafana's
// provisioning turns every ${ENV} value into a string, so "port: ${CIRADAR_PG_PORT}" arrives
// as "5433"; an empty string means "use the default".
type number int

func (n *number) UnmarshalJSON(b []byte) error {
	v, err := lenient(b, strconv.Atoi, "a whole number")
	*n = number(v)
	return err
}

// lenient decodes a JSON number, or a string that parse reads ("" is the zero value):
// provisioning sends every ${ENV} value as a string. what names the kind in the error.
func lenient[T any](b []byte, parse func(string) (T, error), what string) (T, error) {
	var v T
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '"' {
		err := json.Unmarshal(b, &v)
		return v, err
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return v, err
	}
	if s = strings.TrimSpace(s); s == "" {
		return v, nil
	}
	v, err := parse(s)
	if err != nil {
		return v, fmt.Errorf("%q is not %s", s, what)
	}
	return v, nil
}
