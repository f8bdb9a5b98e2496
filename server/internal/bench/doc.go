// Package bench holds the server's Go benchmarks (bench_test.go). They run through the real
// HTTP stack (testutil.NewServer: Echo, validation, auth, gzip, the sync service and a real
// database) and report the figures of docs/performance.md with b.ReportMetric:
//
//	go test -run '^$' -bench . -benchmem ./server/internal/bench/
//	ASKWELL_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	    go test -run '^$' -bench . ./server/internal/bench/
//
// Every benchmark runs on SQLite, and on PostgreSQL when ASKWELL_TEST_POSTGRES_URL is set.
package bench
