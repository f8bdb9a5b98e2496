package push

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrBadEndpoint marks a subscription endpoint the server refuses to contact.
// Match it with errors.Is; the concrete error is an *EndpointError.
var ErrBadEndpoint = errors.New("push: bad endpoint")

// EndpointError says why an endpoint was refused. The reason names the host
// but never the full endpoint, which is a capability URL and stays out of
// logs.
type EndpointError struct {
	Reason string
}

// Error carries only the reason, which names the host but never the capability URL.
func (e *EndpointError) Error() string { return "push: bad endpoint: " + e.Reason }

// Unwrap lets callers test for ErrBadEndpoint.
func (e *EndpointError) Unwrap() error { return ErrBadEndpoint }

func badEndpoint(format string, args ...any) error {
	return &EndpointError{Reason: fmt.Sprintf(format, args...)}
}

// Resolver looks up host names; *net.Resolver satisfies it. Tests pass a fake.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Guard keeps the server from being used to reach hosts it should not
// (server-side request forgery): subscription endpoints come from clients,
// and the server POSTs to them. Check refuses bad endpoints when they are
// saved; the dial functions re-check the address actually connected to, so a
// name that resolves elsewhere later (DNS rebinding) cannot slip through.
//
// The zero Guard allows only https to public addresses.
type Guard struct {
	// AllowInsecure lists hosts that may be reached over http and at
	// otherwise refused addresses, for a local test push service. An entry
	// is a host name, an IP address, or either with a port ("127.0.0.1",
	// "127.0.0.1:8089", "[::1]:8089", "push.test").
	AllowInsecure []string
	// Resolver resolves endpoint host names in Check; nil means
	// net.DefaultResolver.
	Resolver Resolver
}

// Check returns nil when endpoint may be contacted, an *EndpointError
// (errors.Is ErrBadEndpoint) when it must not, and another error when the
// host name could not be resolved for a reason that may pass (a DNS timeout).
func (g Guard) Check(ctx context.Context, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return badEndpoint("not a URL")
	}
	if !u.IsAbs() || u.Opaque != "" || u.Host == "" {
		return badEndpoint("not an absolute URL")
	}
	if u.User != nil {
		return badEndpoint("URL has user info")
	}
	host := u.Hostname()
	if host == "" {
		return badEndpoint("URL has no host")
	}
	port := u.Port()
	switch {
	case port != "":
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return badEndpoint("port %q out of range", port)
		}
	case u.Scheme == "https":
		port = "443"
	case u.Scheme == "http":
		port = "80"
	}

	allowed := g.allowsHost(host, port)
	switch u.Scheme {
	case "https":
	case "http":
		if !allowed {
			return badEndpoint("%s: scheme must be https", host)
		}
	default:
		return badEndpoint("%s: scheme must be https", host)
	}
	if allowed {
		return nil
	}

	if ip, err := netip.ParseAddr(host); err == nil {
		return g.checkAddr(ip, port, host)
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupIPAddr(ctx, host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return badEndpoint("%s: host not found", host)
		}
		return fmt.Errorf("push: resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return badEndpoint("%s: host has no addresses", host)
	}
	// Every address must pass: the dialer may pick any of them.
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			return badEndpoint("%s: resolved to an invalid address", host)
		}
		if err := g.checkAddr(ip.WithZone(a.Zone), port, host); err != nil {
			return err
		}
	}
	return nil
}

// Control refuses connections to addresses Check would refuse. It has the
// signature of net.Dialer.Control and runs after name resolution, on the
// address actually dialled; only IP entries of AllowInsecure apply here
// (use DialContext to honour host-name entries too).
func (g Guard) Control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6":
	default:
		return badEndpoint("network %q not allowed", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return badEndpoint("dial address %q is not an IP address", address)
	}
	return g.checkAddr(ap.Addr(), strconv.Itoa(int(ap.Port())), ap.Addr().String())
}

// DialContext wraps base (nil means a plain net.Dialer) for
// http.Transport.DialContext: an address allowed by AllowInsecure (by name
// or IP) is dialled as is, anything else through Control, after any Control
// base already had.
func (g Guard) DialContext(base *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var plain net.Dialer
	if base != nil {
		plain = *base
	}
	g.AllowInsecure = slices.Clone(g.AllowInsecure) // later edits by the caller must not change a live dialer

	guarded := plain
	prevCtx, prev := plain.ControlContext, plain.Control
	guarded.Control = nil
	guarded.ControlContext = func(ctx context.Context, network, address string, c syscall.RawConn) error {
		if err := g.Control(network, address, c); err != nil {
			return err
		}
		switch {
		case prevCtx != nil:
			return prevCtx(ctx, network, address, c)
		case prev != nil:
			return prev(network, address, c)
		}
		return nil
	}

	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(addr); err == nil && g.allowsHost(host, port) {
			return plain.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
}

// Transport returns an http.Transport that dials only through the guard.
// It uses no proxy: through a proxy the guard would check the proxy's
// address, not the push service's.
func (g Guard) Transport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = g.DialContext(&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second})
	// Nearly every push goes to one of a few hosts: keep a connection per concurrent send,
	// not net/http's two idle ones per host.
	t.MaxIdleConnsPerHost = 32
	return t
}

// Client returns an HTTP client for sending pushes: guarded dials, the given
// overall timeout (webpush-go sets none), and redirects returned rather than
// followed, since a push service has no reason to redirect a POST.
func (g Guard) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: g.Transport(),
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// allowsHost reports whether host (a name or an IP, port optional) matches an
// AllowInsecure entry.
func (g Guard) allowsHost(host, port string) bool {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	hostIP, hostIsIP := parseIP(host)
	for _, e := range g.AllowInsecure {
		e = strings.ToLower(strings.TrimSpace(e))
		eHost, ePort := e, ""
		if h, p, err := net.SplitHostPort(e); err == nil {
			eHost, ePort = h, p
		}
		eHost = strings.TrimSuffix(strings.Trim(eHost, "[]"), ".")
		if ePort != "" && ePort != port {
			continue
		}
		if eIP, ok := parseIP(eHost); ok {
			if hostIsIP && eIP == hostIP {
				return true
			}
			continue
		}
		if eHost == host {
			return true
		}
	}
	return false
}

// parseIP parses an IP literal, folding IPv4-mapped IPv6 to IPv4 and
// dropping any zone, so equal addresses compare equal.
func parseIP(s string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

func (g Guard) checkAddr(ip netip.Addr, port, host string) error {
	if g.allowsHost(ip.String(), port) {
		return nil
	}
	if port != "443" {
		// Push services listen on 443; another port is a way to reach some other service.
		return badEndpoint("%s: port must be 443", host)
	}
	if reason := blockedReason(ip); reason != "" {
		return badEndpoint("%s: %s address %s", host, reason, ip.Unmap().WithZone(""))
	}
	return nil
}

// blockedReason says why ip must not be contacted, or returns "" when it
// may be. Besides the obvious ranges it covers the ones that reach the local
// network indirectly: IPv4-mapped and IPv4-compatible IPv6, and NAT64, 6to4
// and Teredo forms of a refused IPv4 address.
func blockedReason(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	switch {
	case !ip.IsValid():
		return "invalid"
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	}
	if ip.Is4() {
		b := ip.As4()
		switch {
		case b[0] == 0:
			return "this-network"
		case b[0] == 100 && b[1]&0xc0 == 64: // 100.64.0.0/10
			return "carrier-grade NAT"
		case b[0] == 192 && b[1] == 0 && b[2] == 0: // 192.0.0.0/24
			return "IETF protocol"
		case b[0] == 198 && b[1]&0xfe == 18: // 198.18.0.0/15
			return "benchmarking"
		case b[0] >= 240: // 240.0.0.0/4 and broadcast
			return "reserved"
		}
		return ""
	}
	b := ip.As16()
	switch {
	case isZero(b[:12]): // ::/96, IPv4-compatible (deprecated)
		return "IPv4-compatible"
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && isZero(b[4:12]): // 64:ff9b::/96
		v4 := netip.AddrFrom4([4]byte(b[12:16]))
		if r := blockedReason(v4); r != "" {
			return "NAT64 " + r
		}
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01: // 64:ff9b:1::/48
		return "local NAT64"
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0: // fec0::/10
		return "site-local"
	case b[0] == 0x20 && b[1] == 0x02: // 2002::/16, 6to4: the IPv4 address follows the prefix
		if r := blockedReason(netip.AddrFrom4([4]byte(b[2:6]))); r != "" {
			return "6to4 " + r
		}
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0: // 2001::/32, Teredo: server, then client inverted
		client := [4]byte{b[12] ^ 0xff, b[13] ^ 0xff, b[14] ^ 0xff, b[15] ^ 0xff}
		for _, v4 := range []netip.Addr{netip.AddrFrom4([4]byte(b[4:8])), netip.AddrFrom4(client)} {
			if r := blockedReason(v4); r != "" {
				return "Teredo " + r
			}
		}
	}
	return ""
}

func isZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}
