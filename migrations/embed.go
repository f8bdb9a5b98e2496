// Package migrations embeds the SQL schema changes, one up/down pair per change.
// The same files run on SQLite and PostgreSQL: they use only portable types
// (TEXT, BIGINT, INTEGER, BOOLEAN, TIMESTAMPTZ) and portable index syntax.
package migrations

import "embed"

// FS holds every *.up.sql and *.down.sql file of this folder.
//
//go:embed *.sql
var FS embed.FS
