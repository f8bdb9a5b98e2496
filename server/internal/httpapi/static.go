package httpapi

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// placeholder is served at / when the PWA has not been built into the binary.
const placeholder = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Askwell</title></head>
<body><main><h1>Askwell</h1><p>The server is running, but this build has no app in it. Build it with <code>make run</code>.</p></main></body></html>`

// staticHandler serves the built PWA: hashed assets cached forever, the service worker, the
// manifest and the HTML never cached (so an update is seen at once), and any other path that
// looks like an app route answered with index.html.
func staticHandler(dist fs.FS) echo.HandlerFunc {
	files := http.FileServerFS(dist)
	_, err := fs.Stat(dist, "index.html")
	built := err == nil
	return func(c echo.Context) error {
		p := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
		if strings.HasPrefix(p, "api/") {
			return echo.ErrNotFound
		}
		if !built {
			if p == "" || p == "index.html" {
				c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
				return c.HTML(http.StatusOK, placeholder)
			}
			return echo.ErrNotFound
		}
		if p == "" {
			p = "index.html"
		}
		if st, err := fs.Stat(dist, p); err != nil || st.IsDir() {
			if path.Ext(p) != "" {
				return echo.ErrNotFound // a missing file, not an app route
			}
			p = "index.html"
		}
		h := c.Response().Header()
		switch {
		case strings.HasPrefix(p, "assets/"):
			h.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
		case p == "index.html" || p == "sw.js" || strings.HasSuffix(p, ".webmanifest") || strings.HasPrefix(p, "workbox-"):
			h.Set(echo.HeaderCacheControl, "no-cache")
		default:
			h.Set(echo.HeaderCacheControl, "public, max-age=86400")
		}
		if strings.HasSuffix(p, ".webmanifest") {
			h.Set(echo.HeaderContentType, "application/manifest+json")
		}
		r := c.Request().Clone(c.Request().Context())
		r.URL.Path = "/" + p
		if p == "index.html" {
			r.URL.Path = "/" // FileServer redirects /index.html to /
		}
		files.ServeHTTP(c.Response(), r)
		return nil
	}
}
