// Package pwa embeds the built Progressive Web App so the server can serve it from one binary.
package pwa

import (
	"embed"
	"io/fs"
)

// dist holds the output of `npm run build`; before the first build it holds only .gitkeep,
// so the Go build never depends on Node being installed.
//
//go:embed all:dist
var dist embed.FS

// Dist returns the built app rooted at its top folder (index.html, sw.js, manifest, assets/).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "dist" is a constant valid one.
		panic(err)
	}
	return sub
}
