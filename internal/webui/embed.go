//go:build !no_ui

package webui

import (
	"embed"
	"io/fs"
)

// dist is the output of `npm run build` in web/ (app/ and widget/). Only
// dist/.gitkeep is committed: a checkout that never built the web part
// still compiles, and Handler then explains how to build it.
//
//go:embed all:dist
var dist embed.FS

// Assets is the embedded build output, rooted at dist.
func Assets() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a literal directory of the embed
	}
	return sub
}
