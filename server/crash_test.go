package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/testutil"
)

// TestMain lets the test binary serve as the server process the crash test kills.
func TestMain(m *testing.M) {
	if os.Getenv("ASKWELL_TEST_CHILD") == "serve" {
		if err := run([]string{"serve"}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var listening = regexp.MustCompile(`askwell listening.* addr=([0-9.:]+)`)

// startChild runs the server in a child process on the database and data dir and returns
// its URL and the process.
func startChild(t *testing.T, dbURL, dataDir string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ASKWELL_TEST_CHILD=serve", "ASKWELL_ADDR=127.0.0.1:0", "ASKWELL_DATA_DIR="+dataDir,
		"ASKWELL_DATABASE_URL="+dbURL, "ASKWELL_AUTH_RATE_PER_MIN=100000", "ASKWELL_PULL_RATE_PER_MIN=100000",
		"ASKWELL_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a, cmd
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start")
	}
	return "", nil
}

func call(url, token string, body any, out any) (int, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		auth.SetBearer(req.Header, token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		_ = json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}

func signIn(t *testing.T, base, path string) string {
	t.Helper()
	var a struct {
		AccessToken string `json:"access_token"`
	}
	st, err := call(base+"/api/v1/auth/"+path, "", map[string]any{"email": "storm@example.com", "password": "correct horse battery"}, &a)
	if err != nil || st >= 300 {
		t.Fatalf("%s: %d %v", path, st, err)
	}
	return a.AccessToken
}

// A push storm from several devices, the server killed (SIGKILL) in the middle of it, three
// times: every push it acknowledged is there after the restart, and each device carries on
// from its own last acknowledged mutation.
func TestKilledDuringPushStorm(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db testutil.DB) {
		db = testutil.Fresh(t, db)
		dataDir := t.TempDir()
		const devices, perBatch, rounds, acksPerRound = 6, 3, 3, 40
		acked := make([]int64, devices) // last acknowledged mutation id per device
		records := map[string]bool{}    // record ids of acknowledged puts
		var mu sync.Mutex
		for round := 0; round < rounds; round++ {
			base, cmd := startChild(t, db.URL, dataDir)
			path := "login"
			if round == 0 {
				path = "register"
			}
			token := signIn(t, base, path)
			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			total := 0
			enough := make(chan struct{})
			for d := range devices {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						mu.Lock()
						next := acked[d] + 1
						mu.Unlock()
						var muts []map[string]any
						var ids []string
						for i := range perBatch {
							id := testutil.ID(d*1_000_000 + int(next) + i)
							ids = append(ids, id)
							muts = append(muts, map[string]any{"id": next + int64(i), "entity": "contact", "record_id": id, "op": "put",
								"fields": map[string]any{"name": fmt.Sprintf("Contact %d-%d", d, next+int64(i))}})
						}
						var res struct {
							LastMutationID int64 `json:"last_mutation_id"`
						}
						st, err := call(base+"/api/v1/sync/push", token, map[string]any{"client_id": fmt.Sprintf("storm-device-%d", d), "mutations": muts}, &res)
						if err != nil || st != 200 {
							return // the server is gone (or going): this push was not acknowledged
						}
						mu.Lock()
						acked[d] = res.LastMutationID
						for _, id := range ids {
							records[id] = true
						}
						total++
						if total == acksPerRound {
							close(enough)
						}
						mu.Unlock()
					}
				}()
			}
			select {
			case <-enough:
			case <-time.After(60 * time.Second):
				t.Fatal("the storm did not get going")
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			stop()
			wg.Wait()
		}
		base, _ := startChild(t, db.URL, dataDir)
		token := signIn(t, base, "login")
		seen := map[string]bool{}
		for cursor, more := int64(0), true; more; {
			var page struct {
				Changes []struct {
					RecordID string `json:"record_id"`
				} `json:"changes"`
				Cursor  int64 `json:"cursor"`
				HasMore bool  `json:"has_more"`
			}
			if st, err := call(base+"/api/v1/sync/pull", token, map[string]any{"client_id": "storm-check", "cursor": cursor, "limit": 1000}, &page); err != nil || st != 200 {
				t.Fatalf("pull: %d %v", st, err)
			}
			for _, c := range page.Changes {
				seen[c.RecordID] = true
			}
			cursor, more = page.Cursor, page.HasMore
		}
		lost := 0
		for id := range records {
			if !seen[id] {
				lost++
			}
		}
		if lost > 0 || len(records) < acksPerRound*perBatch {
			t.Fatalf("%d of %d acknowledged records lost", lost, len(records))
		}
	})
}
