package push

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fakeResolver answers from a map; unknown names are "not found".
type fakeResolver map[string][]string

func (f fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	if host == "timeout.test" {
		return nil, &net.DNSError{Err: "i/o timeout", Name: host, IsTimeout: true}
	}
	ips, ok := f[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

var testResolver = fakeResolver{
	"push.example.com":   {"93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"},
	"rebind.example.com": {"10.0.0.7"},
	"mixed.example.com":  {"93.184.216.34", "192.168.1.20"},
	"meta.example.com":   {"169.254.169.254"},
	"mapped.example.com": {"::ffff:127.0.0.1"},
}

func TestGuardCheck(t *testing.T) {
	open := Guard{Resolver: testResolver}
	local := Guard{Resolver: testResolver, AllowInsecure: []string{"127.0.0.1"}}
	localPort := Guard{Resolver: testResolver, AllowInsecure: []string{"127.0.0.1:9000", "[::1]:9000"}}
	named := Guard{Resolver: fakeResolver{}, AllowInsecure: []string{"push.test"}}

	tests := []struct {
		name     string
		guard    Guard
		endpoint string
		ok       bool
	}{
		{"https public host", open, "https://push.example.com/send/abc", true},
		{"https public IP", open, "https://93.184.216.34/send/abc", true},
		{"https public IPv6", open, "https://[2606:2800:220:1:248:1893:25c8:1946]/x", true},
		{"https on another port", open, "https://push.example.com:8443/x", false},
		{"https on port 443 given", open, "https://push.example.com:443/x", true},
		{"http refused", open, "http://push.example.com/send/abc", false},
		{"other scheme", open, "ftp://push.example.com/x", false},
		{"relative", open, "/send/abc", false},
		{"no scheme", open, "push.example.com/send", false},
		{"opaque", open, "https:push.example.com", false},
		{"user info", open, "https://user:pw@push.example.com/x", false},
		{"bad port", open, "https://push.example.com:99999/x", false},
		{"not a URL", open, "https://push.example.com/%zz", false},
		{"loopback v4", open, "https://127.0.0.1/x", false},
		{"loopback v4 other", open, "https://127.8.9.10/x", false},
		{"loopback v6", open, "https://[::1]/x", false},
		{"private 10", open, "https://10.1.2.3/x", false},
		{"private 172.16", open, "https://172.16.0.1/x", false},
		{"private 192.168", open, "https://192.168.1.1/x", false},
		{"link-local v4", open, "https://169.254.169.254/latest/meta-data", false},
		{"link-local v6", open, "https://[fe80::1]/x", false},
		{"link-local v6 zone", open, "https://[fe80::1%25eth0]/x", false},
		{"ULA", open, "https://[fd12:3456::1]/x", false},
		{"unspecified v4", open, "https://0.0.0.0/x", false},
		{"unspecified v6", open, "https://[::]/x", false},
		{"this network", open, "https://0.1.2.3/x", false},
		{"multicast", open, "https://224.0.0.1/x", false},
		{"multicast v6", open, "https://[ff02::1]/x", false},
		{"CGNAT", open, "https://100.64.0.1/x", false},
		{"CGNAT top", open, "https://100.127.255.254/x", false},
		{"just outside CGNAT", open, "https://100.128.0.1/x", true},
		{"broadcast", open, "https://255.255.255.255/x", false},
		{"mapped loopback", open, "https://[::ffff:127.0.0.1]/x", false},
		{"mapped private", open, "https://[::ffff:10.0.0.1]/x", false},
		{"mapped link-local", open, "https://[::ffff:169.254.1.1]/x", false},
		{"mapped CGNAT", open, "https://[::ffff:100.64.0.1]/x", false},
		{"mapped public", open, "https://[::ffff:93.184.216.34]/x", true},
		{"IPv4-compatible", open, "https://[::10.0.0.1]/x", false},
		{"NAT64 private", open, "https://[64:ff9b::a00:1]/x", false},
		{"NAT64 public", open, "https://[64:ff9b::5db8:d822]/x", true},
		{"6to4 private", open, "https://[2002:a00:1::1]/x", false},
		{"6to4 loopback", open, "https://[2002:7f00:1::1]/x", false},
		{"6to4 public", open, "https://[2002:5db8:d822::1]/x", true},
		{"Teredo loopback client", open, "https://[2001:0:5db8:d822::80ff:fffe]/x", false},
		{"Teredo private server", open, "https://[2001:0:a00:1::a247:27dd]/x", false},
		{"Teredo public", open, "https://[2001:0:5db8:d822::a247:27dd]/x", true},
		{"name to private", open, "https://rebind.example.com/x", false},
		{"name to public and private", open, "https://mixed.example.com/x", false},
		{"name to metadata", open, "https://meta.example.com/x", false},
		{"name to mapped loopback", open, "https://mapped.example.com/x", false},
		{"name not found", open, "https://nx.example.com/x", false},
		{"allowlisted IP over http", local, "http://127.0.0.1:8089/push/abc", true},
		{"allowlisted IP over https", local, "https://127.0.0.1/push/abc", true},
		{"allowlist is exact", local, "http://127.0.0.2:8089/x", false},
		{"allowlist leaves others alone", local, "http://push.example.com/x", false},
		{"allowlist leaves private alone", local, "https://10.0.0.1/x", false},
		{"allowlisted port", localPort, "http://127.0.0.1:9000/x", true},
		{"allowlisted v6 port", localPort, "http://[::1]:9000/x", true},
		{"other port", localPort, "http://127.0.0.1:9001/x", false},
		{"allowlisted name", named, "http://push.test:8089/x", true},
		{"allowlisted name case", named, "http://PUSH.test/x", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.guard.Check(t.Context(), tc.endpoint)
			if tc.ok {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tc.endpoint, err)
				}
				return
			}
			if !errors.Is(err, ErrBadEndpoint) {
				t.Fatalf("Check(%q) = %v, want ErrBadEndpoint", tc.endpoint, err)
			}
			var ee *EndpointError
			if !errors.As(err, &ee) || ee.Reason == "" {
				t.Fatalf("Check(%q) = %#v, want an *EndpointError with a reason", tc.endpoint, err)
			}
			if strings.Contains(err.Error(), "/x") || strings.Contains(err.Error(), "abc") {
				t.Errorf("error %q repeats the endpoint path", err)
			}
		})
	}
}

func TestGuardCheckResolverFailureIsNotBadEndpoint(t *testing.T) {
	err := Guard{Resolver: testResolver}.Check(t.Context(), "https://timeout.test/x")
	if err == nil || errors.Is(err, ErrBadEndpoint) {
		t.Fatalf("Check = %v, want a resolution error that is not ErrBadEndpoint", err)
	}
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) {
		t.Errorf("Check = %v, want it to wrap the *net.DNSError", err)
	}
}

func TestGuardControl(t *testing.T) {
	open := Guard{}
	local := Guard{AllowInsecure: []string{"127.0.0.1"}}
	tests := []struct {
		guard   Guard
		network string
		address string
		ok      bool
	}{
		{open, "tcp4", "93.184.216.34:443", true},
		{open, "tcp6", "[2606:2800:220:1:248:1893:25c8:1946]:443", true},
		{open, "tcp4", "127.0.0.1:443", false},
		{open, "tcp6", "[::1]:443", false},
		{open, "tcp6", "[::ffff:127.0.0.1]:443", false},
		{open, "tcp4", "10.0.0.1:443", false},
		{open, "tcp4", "169.254.169.254:80", false},
		{open, "tcp6", "[fe80::1%eth0]:443", false},
		{open, "unix", "/run/docker.sock", false},
		{local, "tcp4", "127.0.0.1:8089", true},
		{local, "tcp6", "[::ffff:127.0.0.1]:8089", true},
		{local, "tcp6", "[::1]:8089", false},
	}
	for _, tc := range tests {
		err := tc.guard.Control(tc.network, tc.address, nil)
		if tc.ok != (err == nil) {
			t.Errorf("Control(%q, %q) with allowlist %v = %v, want ok=%v", tc.network, tc.address, tc.guard.AllowInsecure, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrBadEndpoint) {
			t.Errorf("Control(%q, %q) = %v, want ErrBadEndpoint", tc.network, tc.address, err)
		}
	}
}

// countingServer counts requests that reach it.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func get(t *testing.T, c *http.Client, u string) error {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// The dial-time check is what stops DNS rebinding: whatever Check saw, the
// connection is refused if the address actually dialled is not allowed.
func TestGuardClientRefusesAtDialTime(t *testing.T) {
	srv, hits := countingServer(t)
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)

	for _, target := range []string{
		srv.URL,                                // a loopback IP literal
		"http://localhost:" + port + "/push/x", // a name that resolves to loopback when dialled
	} {
		err := get(t, Guard{}.Client(5*time.Second), target)
		if !errors.Is(err, ErrBadEndpoint) {
			t.Errorf("GET %s through the guarded client = %v, want ErrBadEndpoint", target, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("server saw %d requests, want 0", n)
	}

	if err := get(t, Guard{AllowInsecure: []string{u.Hostname()}}.Client(5*time.Second), srv.URL); err != nil {
		t.Fatalf("GET allowlisted %s: %v", srv.URL, err)
	}
	if err := get(t, Guard{AllowInsecure: []string{"localhost"}}.Client(5*time.Second), "http://localhost:"+port+"/"); err != nil {
		t.Fatalf("GET allowlisted localhost: %v", err)
	}
	if n := hits.Load(); n != 2 {
		t.Fatalf("server saw %d requests, want 2", n)
	}
}

func TestGuardDialContextKeepsBaseControl(t *testing.T) {
	srv, _ := countingServer(t)
	var seen atomic.Int32
	base := &net.Dialer{Control: func(_, _ string, _ syscall.RawConn) error {
		seen.Add(1)
		return nil
	}}
	u, _ := url.Parse(srv.URL)
	if u.Hostname() != "127.0.0.1" {
		t.Skipf("test server on %s, this test needs 127.0.0.1", u.Hostname())
	}
	byName := "localhost:" + u.Port()

	// "localhost" is not on the list, so the guarded path runs; the address
	// it resolves to is, so the guard passes it on to the base Control.
	g := Guard{AllowInsecure: []string{"127.0.0.1"}}
	conn, err := g.DialContext(base)(t.Context(), "tcp4", byName)
	if err != nil {
		t.Fatalf("dial %s: %v", byName, err)
	}
	conn.Close()
	if seen.Load() != 1 {
		t.Fatalf("base Control ran %d times, want 1", seen.Load())
	}

	_, err = Guard{}.DialContext(base)(t.Context(), "tcp4", byName)
	if !errors.Is(err, ErrBadEndpoint) {
		t.Fatalf("dial %s without allowlist = %v, want ErrBadEndpoint", byName, err)
	}
	if seen.Load() != 1 {
		t.Fatalf("base Control ran after the guard refused")
	}
}
