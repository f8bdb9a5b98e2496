// Package export writes all of one user's records as one JSON document, the same shape the app
// saves from local data and can import again: {format, version, exported_at, user, contacts,
// events, notes, asks, referrals, reminders}.
package export

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/askwell/askwell/server/internal/records"
)

// Format and Version name the document so an importer can refuse something else.
const (
	Format  = "askwell"
	Version = 1
)

// Record is one live record: its entity and its JSON as clients see it.
type Record struct {
	Entity string
	Data   string
}

// Source yields a user's live records entity by entity, in the order asked for.
type Source func(ctx context.Context, entities []string, fn func(Record) error) error

// Write streams the document to w: records are copied as stored, never decoded, so memory
// stays flat however many there are. user is the profile, already JSON.
func Write(ctx context.Context, w io.Writer, user json.RawMessage, at time.Time, src Source) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	head, err := json.Marshal(struct {
		Format     string    `json:"format"`
		Version    int       `json:"version"`
		ExportedAt time.Time `json:"exported_at"`
	}{Format, Version, at.UTC()})
	if err != nil {
		return err
	}
	bw.Write(head[:len(head)-1])
	bw.WriteString(`,"user":`)
	bw.Write(user)
	written := map[string]bool{}
	current, n := "", 0
	err = src(ctx, records.Names(), func(r Record) error {
		if r.Entity != current {
			if current != "" {
				bw.WriteByte(']')
			}
			open(bw, r.Entity)
			written[r.Entity] = true
			current, n = r.Entity, 0
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		_, err := bw.WriteString(r.Data)
		return err
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if current != "" {
		bw.WriteByte(']')
	}
	// Entities without records still appear, as empty lists, so readers need no special case.
	for _, e := range records.Names() {
		if !written[e] {
			open(bw, e)
			bw.WriteByte(']')
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// open starts the list of one entity, keyed by its table name ("contacts").
func open(bw *bufio.Writer, entity string) {
	bw.WriteString(`,"` + records.Table(entity) + `":[`)
}
