// Package web holds the browser side of Conclave: the JS SDK (web/sdk) and
// the meeting app (web/app). Their built bundle, web/dist, is committed
// (`cd web && npm run build`) and embedded in the server binary, so the
// Go build needs no JavaScript tool chain.
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist
var dist embed.FS

// Dist returns the built bundle rooted at web/dist: index.html, app/...,
// sdk/conclave.js.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "dist" is valid.
		panic(err)
	}
	return sub
}
