package testutil

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// contract checks the answers a test receives against openapi.yaml, so a status or a field the
// contract does not document fails the test that met it rather than surprising a client.
type contract struct {
	router routers.Router
	opts   []openapi3.SchemaValidationOption
}

var (
	contractOnce sync.Once
	theContract  *contract
	contractErr  error
)

// loadContract reads openapi.yaml from the repository (the embedded copy leaves out the
// operations without generated handlers: probes and the calendar feed) once per test binary.
func loadContract() (*contract, error) {
	contractOnce.Do(func() {
		path, err := findUp("openapi.yaml")
		if err != nil {
			contractErr = err
			return
		}
		doc, err := openapi3.NewLoader().LoadFromFile(path)
		if err != nil {
			contractErr = err
			return
		}
		doc.Servers = openapi3.Servers{{URL: "/api/v1"}}
		if err := doc.Validate(context.Background()); err != nil {
			contractErr = err
			return
		}
		strict(doc)
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			contractErr = err
			return
		}
		// The calendar feed's body is text; nothing in it to check beyond its type.
		openapi3filter.RegisterBodyDecoder("text/calendar", func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(body)
			return string(b), err
		})
		theContract = &contract{router: r, opts: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation(), openapi3.DisableSchemaErrorDetails()}}
	})
	return theContract, contractErr
}

// findUp finds a file in the working directory or the nearest directory above it that has it.
func findUp(name string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no %s above the working directory", name)
		}
		dir = up
	}
}

// strict makes every object schema that lists its properties refuse others, unless it says
// otherwise, so an answer carrying a field the contract does not name fails. Schemas that are
// one part of an allOf stay open: each part names only some of the properties.
func strict(doc *openapi3.T) {
	parts := map[*openapi3.Schema]bool{}
	var all []*openapi3.Schema
	seen := map[*openapi3.Schema]bool{}
	var visit func(ref *openapi3.SchemaRef)
	visit = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		all = append(all, s)
		if len(s.AllOf) > 1 {
			for _, p := range s.AllOf {
				if p.Value != nil {
					parts[p.Value] = true
				}
			}
		}
		for _, p := range s.Properties {
			visit(p)
		}
		for _, list := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, p := range list {
				visit(p)
			}
		}
		visit(s.Items)
		visit(s.Not)
		visit(s.AdditionalProperties.Schema)
	}
	for _, ref := range doc.Components.Schemas {
		visit(ref)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, resp := range op.Responses.Map() {
				if resp.Value == nil {
					continue
				}
				for _, mt := range resp.Value.Content {
					visit(mt.Schema)
				}
			}
		}
	}
	no := false
	for _, s := range all {
		ap := s.AdditionalProperties
		if len(s.Properties) > 0 && ap.Has == nil && ap.Schema == nil && !parts[s] {
			s.AdditionalProperties.Has = &no
		}
	}
}

// check validates one answer: its status must be documented for the operation, and its body
// must match the schema (decoded when gzipped; an event stream's body is left alone, it never
// ends). Requests outside the contract (static files, /metrics, unknown paths and methods)
// are not checked. The body is read here and put back for the caller as it was.
func (c *contract) check(t testing.TB, req *http.Request, resp *http.Response) {
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, SchemaValidationOptions: c.opts}
	var body []byte
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/event-stream" {
		opts.ExcludeResponseBody = true
	} else {
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(raw), errReader{err}))
		if err != nil {
			return // cut short: the caller meets the same error
		}
		body = raw
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err == nil {
				body, err = io.ReadAll(zr)
			}
			if err != nil {
				t.Errorf("%s %s: %d: bad gzip body: %v", req.Method, req.URL.Path, resp.StatusCode, err)
				return
			}
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s: the %d answer is not what openapi.yaml documents: %v\nbody: %.500s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

// errReader gives err (or EOF) once the real bytes are read.
type errReader struct{ err error }

// Read ends the body the way the first read did.
func (r errReader) Read([]byte) (int, error) {
	if r.err == nil {
		return 0, io.EOF
	}
	return 0, r.err
}

// checkedTransport checks every answer a test server's client receives against the contract.
type checkedTransport struct {
	base     http.RoundTripper
	contract *contract
	t        testing.TB
}

// RoundTrip implements http.RoundTripper.
func (ct *checkedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := ct.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	ct.contract.check(ct.t, req, resp)
	return resp, nil
}

// CloseIdleConnections lets httptest.Server.Close close the connections underneath.
func (ct *checkedTransport) CloseIdleConnections() {
	if c, ok := ct.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// checkAnswers makes client check every answer it receives against openapi.yaml.
func checkAnswers(t testing.TB, client *http.Client) {
	c, err := loadContract()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	if _, ok := client.Transport.(*checkedTransport); ok {
		return
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	client.Transport = &checkedTransport{base: base, contract: c, t: t}
}
