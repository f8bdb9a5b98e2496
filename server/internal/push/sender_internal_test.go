package push

import (
	"net/http"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		status     int
		retryAfter string
		outcome    Outcome
		wait       time.Duration
	}{
		{200, "", Delivered, 0},
		{201, "", Delivered, 0},
		{202, "", Delivered, 0},
		{404, "", Gone, 0},
		{410, "", Gone, 0},
		{429, "", Retry, 0},
		{429, "120", Retry, 2 * time.Minute},
		{429, " 7 ", Retry, 7 * time.Second},
		{503, now.Add(90 * time.Second).Format(http.TimeFormat), Retry, 90 * time.Second},
		{503, now.Add(-time.Hour).Format(http.TimeFormat), Retry, 0},
		{500, "soon", Retry, 0},
		{502, "-5", Retry, 0},
		{429, "99999999999999999999", Retry, maxRetryAfter},
		{503, "604800", Retry, maxRetryAfter},
		{400, "", Rejected, 0},
		{401, "", Rejected, 0},
		{403, "", Rejected, 0},
		{413, "", Rejected, 0},
		{400, "120", Rejected, 0},
		{301, "", Rejected, 0},
	}
	for _, tc := range tests {
		got := classify(tc.status, tc.retryAfter, now)
		if got.Status != tc.status || got.Outcome != tc.outcome || got.RetryAfter != tc.wait {
			t.Errorf("classify(%d, %q) = %+v, want outcome %v, RetryAfter %v", tc.status, tc.retryAfter, got, tc.outcome, tc.wait)
		}
	}
}

func TestTTLSeconds(t *testing.T) {
	tests := map[time.Duration]int{
		0:                       86400,
		-1:                      0,
		-time.Hour:              0,
		time.Hour:               3600,
		1500 * time.Millisecond: 2,
		time.Nanosecond:         1,
	}
	for d, want := range tests {
		got, err := ttlSeconds(d)
		if err != nil || got != want {
			t.Errorf("ttlSeconds(%v) = %d, %v; want %d", d, got, err, want)
		}
	}
}

func TestSubscriberFor(t *testing.T) {
	// webpush-go v1.4.0 prefixes "mailto:" unless the value starts with "https:".
	tests := map[string]string{
		"ops@askwell.test":          "ops@askwell.test",
		"mailto:ops@askwell.test":   "ops@askwell.test",
		" ops@askwell.test ":        "ops@askwell.test",
		"https://askwell.test/ping": "https://askwell.test/ping",
	}
	for in, want := range tests {
		got, err := subscriberFor(in)
		if err != nil || got != want {
			t.Errorf("subscriberFor(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "askwell", "http://askwell.test", "https://", "Ops <ops@askwell.test>", "mailto:"} {
		if got, err := subscriberFor(bad); err == nil {
			t.Errorf("subscriberFor(%q) = %q, want an error", bad, got)
		}
	}
}

func TestOutcomeString(t *testing.T) {
	for o, want := range map[Outcome]string{Delivered: "delivered", Gone: "gone", Retry: "retry", Rejected: "rejected", 0: "unknown"} {
		if o.String() != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), o.String(), want)
		}
	}
}
