// Package api holds the Go types and the Echo server interface generated from openapi.yaml.
// Never edit api.gen.go by hand: change openapi.yaml and run `make generate`.
package api

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi.yaml
