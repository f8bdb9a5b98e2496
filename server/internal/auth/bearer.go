package auth

import (
	"net/http"
	"strings"
)

// bearerPrefix is the Authorization scheme of every token the server reads (access, reminder
// action and metrics tokens), spelled once for the server, its tests and the load generator.
const bearerPrefix = "Bearer "

// Bearer is the token of a request's Authorization header, or "" when it has none.
func Bearer(h http.Header) string {
	tok, _ := strings.CutPrefix(h.Get("Authorization"), bearerPrefix)
	return strings.TrimSpace(tok)
}

// SetBearer sends token the way Bearer reads it, so clients (tests, the load generator) and
// the server cannot drift apart on the scheme.
func SetBearer(h http.Header, token string) { h.Set("Authorization", bearerPrefix+token) }
