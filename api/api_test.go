package api_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/askwell/askwell/api"
)

// TestSpecIsValid lints openapi.yaml with kin-openapi's validator (refs resolve, schemas and
// examples are well formed, operation ids unique).
func TestSpecIsValid(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	ids := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s: needs an operationId and a summary", method, path)
			}
			if ids[op.OperationID] {
				t.Errorf("duplicate operationId %s", op.OperationID)
			}
			ids[op.OperationID] = true
			for code := range op.Responses.Map() {
				if code[0] == '4' && op.Responses.Value(code).Value.Content.Get("application/json") == nil {
					t.Errorf("%s %s %s: error responses carry the Error object", method, path, code)
				}
			}
		}
	}
	if _, err := api.GetSpec(); err != nil {
		t.Fatalf("embedded spec: %v", err)
	}
}

// TestGeneratedCodeIsFresh regenerates api.gen.go into a temp file and compares: a change to
// openapi.yaml without `make generate` fails here.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the generator")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "api.gen.go")
	conf, err := os.ReadFile("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	conf = bytes.Replace(conf, []byte("output: api.gen.go"), []byte("output: "+out), 1)
	confPath := filepath.Join(dir, "oapi-codegen.yaml")
	if err := os.WriteFile(confPath, conf, 0o600); err != nil {
		t.Fatal(err)
	}
	spec, err := filepath.Abs("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", confPath, spec)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("oapi-codegen: %v", err)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("api.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("api/api.gen.go is stale: run `make generate` and commit the result")
	}
}
