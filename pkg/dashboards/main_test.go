package dashboards

import (
	"os"
	"testing"

	"github.com/ciradar/ciradar/pkg/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
