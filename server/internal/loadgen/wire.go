package loadgen

import "encoding/json"

// The push request's parts as a client writes and reads them. The tests (through testutil)
// and the benchmarks use these too, so every Go client of the API speaks one shape; the
// generated api types have pointers for the optional fields, which the many test literals
// would have to spell out.

// Mutation is one push mutation as JSON.
type Mutation struct {
	ID          int64          `json:"id"`
	Entity      string         `json:"entity"`
	RecordID    string         `json:"record_id"`
	Op          string         `json:"op"`
	Fields      map[string]any `json:"fields,omitempty"`
	BaseVersion int64          `json:"base_version"`
}

// PushResult is a decoded push response: how far the server got, for the client's outbox.
type PushResult struct {
	LastMutationID int64 `json:"last_mutation_id"`
	Version        int64 `json:"version"`
	Applied        int   `json:"applied"`
}

// GapExpected reads a 409 answer to a push: when it is a mutation_gap, the mutation id the
// server expects next, from which the client resends.
func GapExpected(body []byte) (next int64, gap bool) {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Details struct {
				ExpectedID int64 `json:"expected_id"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error.Code != "mutation_gap" {
		return 0, false
	}
	return e.Error.Details.ExpectedID, true
}
