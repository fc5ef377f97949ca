//go:build no_ui

package webui

import (
	"io/fs"
	"testing/fstest"
)

// Assets is empty in a binary built with -tags no_ui (backend work that
// skips the web build); Handler then answers with how to build it.
func Assets() fs.FS { return fstest.MapFS{} }
