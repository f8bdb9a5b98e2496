package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/askwell/askwell/server/internal/auth"
)

const (
	userKey   = "askwell.user"
	accessKey = "askwell.access"
)

// userID is the authenticated user of the request (set by requireUser).
func userID(c echo.Context) string {
	id, _ := c.Get(userKey).(string)
	return id
}

// access is the verified access token of the request, when it came with one.
func access(c echo.Context) (auth.Access, bool) {
	a, ok := c.Get(accessKey).(auth.Access)
	return a, ok
}

// requireUser accepts a Bearer access token of a live session and stores its user in the context.
func requireUser(tokens *auth.Tokens, svc *auth.Service) echo.MiddlewareFunc {
	return tokenGuard(svc, "sign in first: send Authorization: Bearer <access token>",
		func(_ echo.Context, tok string) (auth.Access, error) { return tokens.Check(tok) })
}

// tokenGuard accepts a Bearer token that verify makes an access of, when its session is live,
// and stores it and its user in the context; missing is what a request without one is told.
func tokenGuard(svc *auth.Service, missing string, verify func(c echo.Context, tok string) (auth.Access, error)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			tok := auth.Bearer(c.Request().Header)
			if tok == "" {
				return newError(http.StatusUnauthorized, "unauthorized", missing)
			}
			a, err := verify(c, tok)
			if err != nil {
				return err
			}
			if err := checkLive(c, svc, a); err != nil {
				return err
			}
			c.Set(accessKey, a)
			return next(c)
		}
	}
}

// checkLive refuses a well-signed token whose account was deleted or whose sign-in ended, and
// sets the request's user otherwise.
func checkLive(c echo.Context, svc *auth.Service, a auth.Access) error {
	ok, err := svc.Live(c.Request().Context(), a)
	if err != nil {
		return err
	}
	if !ok {
		return newError(http.StatusUnauthorized, "unauthorized", "this sign-in has ended or the account no longer exists; sign in again")
	}
	c.Set(userKey, a.UserID)
	return nil
}

// validator checks each /api/v1 request against openapi.yaml before it reaches a handler, so
// wrong types, unknown fields and out-of-range values are refused in one place with a 400.
type validator struct {
	router routers.Router
	opts   *openapi3filter.Options
	// own lists the operations ("METHOD /path" as in openapi.yaml) whose bodies the server
	// checks itself: a 1,000-mutation push spends more in generic schema walking than in the
	// database (see checkPush). Not by operationId: the embedded spec's are renamed (SyncPush).
	own map[string]bool
	// bodyTimeout is how long a client may take to send its body.
	bodyTimeout time.Duration
}

func newValidator(doc *openapi3.T, bodyTimeout time.Duration) (*validator, error) {
	doc.Servers = openapi3.Servers{{URL: "/api/v1"}}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &validator{router: r, opts: &openapi3filter.Options{
		AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc, // requireUser does this
		SkipSettingDefaults: true,
	}, own: map[string]bool{"POST /sync/push": true}, bodyTimeout: bodyTimeout}, nil
}

func (v *validator) middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			route, params, err := v.router.FindRoute(req)
			if err != nil {
				return next(c) // not in the contract (static files, 404s): nothing to validate
			}
			// An operation that takes no body leaves one sent unread, as its handler does, so
			// it answers nothing about it the contract does not say.
			reset := func() {}
			if route.Operation.RequestBody != nil {
				body, err := readBody(c, v.bodyTimeout)
				if err != nil {
					return err
				}
				if err := checkJSON(req, body); err != nil {
					return err
				}
				reset = func() { req.Body = io.NopCloser(bytes.NewReader(body)) }
				reset()
			}
			if !v.own[route.Method+" "+route.Path] {
				in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: v.opts}
				if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
					return validationError(err)
				}
			}
			reset() // handlers decode the body again from the start
			return next(c)
		}
	}
}

// checkJSON refuses a body that is not JSON, or JSON that holds a NUL (see hasNUL); an empty
// body is left to the contract, which says whether the operation needs one.
func checkJSON(req *http.Request, body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !strings.HasPrefix(req.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON) {
		return newError(http.StatusUnsupportedMediaType, "unsupported_media_type", msgSendJSON)
	}
	if !json.Valid(body) {
		return newError(http.StatusBadRequest, "malformed_json", "the body is not valid JSON")
	}
	if hasNUL(body) {
		return newError(http.StatusUnprocessableEntity, "invalid_text", `text must not contain the NUL character (\u0000)`)
	}
	return nil
}

// readBody reads the whole body, giving the client timeout to send it: one that stalls
// mid-body gets a 408 and one with broken chunked framing a 400, at once, instead of holding
// a connection until the server-wide read timeout and then a 500.
func readBody(c echo.Context, timeout time.Duration) ([]byte, error) {
	req := c.Request()
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if timeout > 0 {
		rc := http.NewResponseController(c.Response())
		if rc.SetReadDeadline(time.Now().Add(timeout)) == nil {
			defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
		}
	}
	body, err := io.ReadAll(req.Body)
	var he *echo.HTTPError
	var ne net.Error
	switch {
	case err == nil:
		return body, nil
	case errors.As(err, &he):
		return nil, err // BodyLimit's 413
	case errors.As(err, &ne) && ne.Timeout():
		c.Response().Header().Set(echo.HeaderConnection, "close")
		return nil, newError(http.StatusRequestTimeout, "body_timeout", "the request body did not arrive in time")
	case errors.Is(err, context.Canceled):
		return nil, err
	}
	c.Response().Header().Set(echo.HeaderConnection, "close")
	return nil, newError(http.StatusBadRequest, "malformed_body", "the request body is cut short or badly framed")
}

// hasNUL reports whether a JSON text has an escaped NUL (\u0000) in a string: PostgreSQL
// cannot store it in text or jsonb, SQLite would cut the text at it, and no field needs it.
func hasNUL(b []byte) bool {
	esc := []byte(`\u0000`)
	for i := 0; ; {
		j := bytes.Index(b[i:], esc)
		if j < 0 {
			return false
		}
		j += i
		n := 0 // backslashes before it: an odd count makes this one an escaped backslash
		for k := j - 1; k >= 0 && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
		i = j + 1
	}
}

// validationError turns kin-openapi's error into a short message naming the field.
func validationError(err error) error {
	var re *openapi3filter.RequestError
	if errors.As(err, &re) {
		var se *openapi3.SchemaError
		if errors.As(re.Err, &se) {
			field := strings.Join(se.JSONPointer(), ".")
			if field == "" && re.Parameter != nil { // a path or query value: name the parameter
				field = re.Parameter.Name
			}
			return newError(http.StatusBadRequest, "invalid_request", strings.TrimSpace(field+" "+se.Reason)).
				with(map[string]any{"field": field, "reason": se.Reason})
		}
		msg := re.Reason
		if msg == "" && re.Err != nil {
			msg = re.Err.Error()
		}
		return newError(http.StatusBadRequest, "invalid_request", msg)
	}
	return newError(http.StatusBadRequest, "invalid_request", err.Error())
}

// metrics records request latency by route: the route pattern, never the raw path, so ids
// in paths cannot blow up the number of series.
type metrics struct {
	latency       *prometheus.HistogramVec
	mutations     *prometheus.CounterVec
	pulled        prometheus.Counter
	pushes, pulls prometheus.Counter
	streams       prometheus.GaugeFunc
}

func newMetrics(reg prometheus.Registerer, streams func() float64) *metrics {
	m := &metrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "askwell_http_request_duration_seconds",
			Help:    "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route", "status"}),
		mutations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "askwell_sync_mutations_total", Help: "Mutations received by sync push, by result.",
		}, []string{"result"}),
		pulled: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "askwell_sync_records_pulled_total", Help: "Records sent by sync pull.",
		}),
		pushes: prometheus.NewCounter(prometheus.CounterOpts{Name: "askwell_sync_pushes_total", Help: "Successful sync pushes."}),
		pulls:  prometheus.NewCounter(prometheus.CounterOpts{Name: "askwell_sync_pulls_total", Help: "Successful sync pulls."}),
		streams: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "askwell_sync_streams", Help: "Open sync event streams on this instance.",
		}, streams),
	}
	reg.MustRegister(m.latency, m.mutations, m.pulled, m.pushes, m.pulls, m.streams)
	return m
}

// Pushed implements sync.Observer.
func (m *metrics) Pushed(applied, replayed int) {
	m.pushes.Inc()
	m.mutations.WithLabelValues("applied").Add(float64(applied))
	m.mutations.WithLabelValues("replayed").Add(float64(replayed))
}

// Pulled implements sync.Observer.
func (m *metrics) Pulled(n int) {
	m.pulls.Inc()
	m.pulled.Add(float64(n))
}

func (m *metrics) middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			status := c.Response().Status
			if err != nil {
				status = classify(err).Status
			}
			route := c.Path()
			if route == "" || route == "/*" {
				route = "static"
			}
			m.latency.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
			return err
		}
	}
}

// newRequestID makes request ids sortable by time, which helps reading logs.
func newRequestID() string { return uuid.Must(uuid.NewV7()).String() }
