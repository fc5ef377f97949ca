// Command hummdesk is the HummDesk help desk: API server, migrations and
// demo data in one binary. See `hummdesk --help`.
package main

import (
	"os"

	"hummdesk/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}
