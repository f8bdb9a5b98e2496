package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/askwell/askwell/api"
	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/syncer"
)

// refreshCookie carries the refresh token; its path keeps it off every request but auth's.
const (
	refreshCookie     = "askwell_refresh"
	refreshCookiePath = "/api/v1/auth"
)

// handlers implements api.ServerInterface.
type handlers struct {
	auth          *auth.Service
	store         *store.Store
	sync          *syncer.Service
	hub           *syncer.Hub
	secureCookies bool
	refreshTTL    time.Duration
	pingEvery     time.Duration
	shutdown      <-chan struct{}
	guard         push.Guard
	vapidPublic   string
	// maxSubscriptions bounds the push subscriptions of one user.
	maxSubscriptions int
	now              func() time.Time
	gz               *gzipPool
	ended            *endedAccounts
}

var _ api.ServerInterface = (*handlers)(nil)

func bind(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return newError(http.StatusBadRequest, "malformed_json", "the body does not match the expected shape: "+err.Error())
	}
	return nil
}

// Register implements POST /auth/register.
func (h *handlers) Register(c echo.Context) error {
	var req api.RegisterRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	tz := ""
	if req.Timezone != nil {
		tz = *req.Timezone
		if err := checkTimezone(tz); err != nil {
			return err
		}
	}
	name := ""
	if req.Name != nil {
		name = *req.Name
	}
	sess, err := h.auth.Register(c.Request().Context(), auth.NewUser{
		Email: string(req.Email), Password: req.Password, Name: name, Timezone: tz,
	})
	if err != nil {
		return err
	}
	return h.sendSession(c, http.StatusCreated, sess, req.ReturnRefreshToken)
}

// Login implements POST /auth/login.
func (h *handlers) Login(c echo.Context) error {
	var req api.LoginRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	sess, err := h.auth.Login(c.Request().Context(), req.Email, req.Password)
	if err != nil {
		return err
	}
	return h.sendSession(c, http.StatusOK, sess, req.ReturnRefreshToken)
}

// refreshRequest reads the optional body and the cookie; the body wins for non-browser clients.
func (h *handlers) refreshRequest(c echo.Context) (token string, returnInBody *bool, err error) {
	var req api.RefreshRequest
	if c.Request().ContentLength != 0 {
		if err := bind(c, &req); err != nil && c.Request().ContentLength > 0 {
			return "", nil, err
		}
	}
	if req.RefreshToken != nil {
		return *req.RefreshToken, req.ReturnRefreshToken, nil
	}
	if ck, err := c.Cookie(refreshCookie); err == nil {
		return ck.Value, req.ReturnRefreshToken, nil
	}
	return "", req.ReturnRefreshToken, nil
}

// Refresh implements POST /auth/refresh.
func (h *handlers) Refresh(c echo.Context) error {
	token, inBody, err := h.refreshRequest(c)
	if err != nil {
		return err
	}
	if token == "" {
		return newError(http.StatusUnauthorized, "unauthorized", "no refresh token: sign in again")
	}
	sess, err := h.auth.Refresh(c.Request().Context(), token)
	if err != nil {
		if errors.Is(err, auth.ErrTokenReused) || errors.Is(err, auth.ErrInvalidToken) {
			h.clearCookie(c)
		}
		return err
	}
	return h.sendSession(c, http.StatusOK, sess, inBody)
}

// Logout implements POST /auth/logout.
func (h *handlers) Logout(c echo.Context) error {
	token, _, err := h.refreshRequest(c)
	if err != nil {
		return err
	}
	if err := h.auth.Logout(c.Request().Context(), token); err != nil {
		return err
	}
	h.clearCookie(c)
	return c.NoContent(http.StatusNoContent)
}

func (h *handlers) sendSession(c echo.Context, status int, s *auth.Session, inBody *bool) error {
	c.SetCookie(&http.Cookie{
		Name: refreshCookie, Value: s.RefreshToken, Path: refreshCookiePath,
		MaxAge: int(h.refreshTTL.Seconds()), HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteStrictMode,
	})
	resp := api.AuthResponse{
		AccessToken: s.AccessToken, TokenType: api.Bearer, ExpiresIn: int(s.ExpiresIn.Seconds()), User: toUser(s.User),
	}
	if inBody != nil && *inBody {
		resp.RefreshToken = &s.RefreshToken
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(status, resp)
}

func (h *handlers) clearCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: refreshCookie, Value: "", Path: refreshCookiePath, MaxAge: -1,
		HttpOnly: true, Secure: h.secureCookies, SameSite: http.SameSiteStrictMode})
}

func toUser(u *store.User) api.User {
	var plans api.AskPlans
	_ = json.Unmarshal([]byte(u.AskPlans), &plans) // written by UpdateMe from a validated value
	one, ev := u.GoalOneToOnes, u.GoalEvents
	out := api.User{
		Id: uuid.MustParse(u.ID), Email: u.Email, Name: u.Name, Timezone: u.Timezone,
		QuietHours: api.QuietHours{Start: u.QuietStart, End: u.QuietEnd},
		Goals:      api.Goals{OneToOnes: &one, Events: &ev},
		AskPlans:   plans, CreatedAt: u.CreatedAt.UTC(),
	}
	if o, ok := playbook.ParseOffer(u.SpecialOffer); ok {
		until := openapi_types.Date{Time: o.Until}
		out.SpecialOffer = &api.SpecialOffer{Text: o.Text, Until: &until}
	}
	return out
}

func checkTimezone(tz string) error {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		return newError(http.StatusBadRequest, "invalid_field", "timezone: want an IANA time zone such as Europe/Berlin").
			with(map[string]any{"field": "timezone"})
	}
	return nil
}

// GetMe implements GET /me.
func (h *handlers) GetMe(c echo.Context) error {
	u, err := liveUser(c.Request().Context(), h.store, userID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUser(u))
}

// UpdateMe implements PATCH /me: only the fields given change.
func (h *handlers) UpdateMe(c echo.Context) error {
	var req api.UserPatch
	if err := bind(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := liveUser(ctx, h.store, userID(c))
	if err != nil {
		return err
	}
	var cols []string // only what the request changes: another device may change the rest meanwhile
	if req.Name != nil {
		u.Name = strings.TrimSpace(*req.Name)
		cols = append(cols, "name")
	}
	if req.Timezone != nil {
		if err := checkTimezone(*req.Timezone); err != nil {
			return err
		}
		u.Timezone = *req.Timezone
		cols = append(cols, "timezone")
	}
	if req.QuietHours != nil {
		u.QuietStart, u.QuietEnd = req.QuietHours.Start, req.QuietHours.End
		cols = append(cols, "quiet_start", "quiet_end")
	}
	if req.Goals != nil {
		if req.Goals.OneToOnes != nil {
			u.GoalOneToOnes = *req.Goals.OneToOnes
			cols = append(cols, "goal_one_to_ones")
		}
		if req.Goals.Events != nil {
			u.GoalEvents = *req.Goals.Events
			cols = append(cols, "goal_events")
		}
	}
	if req.AskPlans != nil {
		for kind, t := range map[string]*api.AskTrigger{"client": req.AskPlans.Client, "prospect": req.AskPlans.Prospect,
			"partner": req.AskPlans.Partner, "connector": req.AskPlans.Connector, "friend": req.AskPlans.Friend} {
			if t == nil {
				continue
			}
			if err := (playbook.Trigger{Kind: string(t.Kind), Value: t.Value}).Validate(); err != nil {
				return newError(http.StatusBadRequest, "invalid_field", "ask_plans."+kind+": "+err.Error()).
					with(map[string]any{"field": "ask_plans." + kind})
			}
		}
		// Like the goals, the kinds given change and the others stay: the given ones (the
		// absent are omitted) are decoded over the kept.
		var plans api.AskPlans
		_ = json.Unmarshal([]byte(u.AskPlans), &plans) // written here from a validated value
		given, err := json.Marshal(req.AskPlans)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(given, &plans); err != nil {
			return err
		}
		b, err := json.Marshal(plans)
		if err != nil {
			return err
		}
		u.AskPlans = string(b)
		cols = append(cols, "ask_plans")
	}
	if o := req.SpecialOffer; o != nil {
		offer := playbook.Offer{Text: strings.TrimSpace(o.Text)}
		if o.Until != nil {
			offer.Until = o.Until.Time
		}
		loc, err := time.LoadLocation(u.Timezone)
		if err != nil {
			loc = time.UTC
		}
		if err := offer.Check(h.now(), loc); err != nil {
			return newError(http.StatusUnprocessableEntity, "invalid_field", "special_offer: "+err.Error()).
				with(map[string]any{"field": "special_offer"})
		}
		u.SpecialOffer = offer.Encode()
		cols = append(cols, "special_offer")
	}
	u.UpdatedAt = h.now().UTC()
	if err := h.store.UpdateUserSettings(ctx, u, cols...); err != nil {
		return err
	}
	if req.SpecialOffer != nil || req.Goals != nil || req.Timezone != nil {
		// The week's next steps depend on these: the offer to share, the goals, the week's start.
		if err := h.sync.PlanWeek(ctx, u.ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, toUser(u))
}

// SyncPush implements POST /sync/push.
func (h *handlers) SyncPush(c echo.Context) error {
	var req api.PushRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := checkPush(&req); err != nil {
		return err
	}
	muts := make([]syncer.Mutation, len(req.Mutations))
	for i, m := range req.Mutations {
		muts[i] = syncer.Mutation{ID: m.Id, Entity: string(m.Entity), RecordID: m.RecordId, Op: string(m.Op)}
		if m.Fields != nil {
			muts[i].Fields = *m.Fields
		}
		if m.BaseVersion != nil {
			muts[i].BaseVersion = *m.BaseVersion
		}
	}
	res, err := h.sync.Push(c.Request().Context(), userID(c), req.ClientId, muts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, api.PushResponse{LastMutationId: res.LastMutationID, Version: res.Version, Applied: res.Applied})
}

// checkPush is the envelope of the PushRequest schema of openapi.yaml written out (the
// validator skips this operation for speed; unknown properties are refused by bind): the
// client id and the batch's size. The mutations themselves are checked by the sync service,
// in one place.
func checkPush(req *api.PushRequest) error {
	if n := len(req.ClientId); n < 8 || n > 64 || !clientIDChars(req.ClientId) {
		return invalidRequest("client_id", "want 8 to 64 letters, digits, - or _")
	}
	if req.Mutations == nil {
		return invalidRequest("mutations", "property \"mutations\" is missing")
	}
	if len(req.Mutations) > syncer.MaxMutations {
		return invalidRequest("mutations", fmt.Sprintf("at most %d mutations per batch", syncer.MaxMutations))
	}
	return nil
}

func clientIDChars(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// SyncPull implements POST /sync/pull. The records are stored as the JSON clients see, so the
// page is written directly instead of decoding and re-encoding every record, and written as it
// is read: a large page never sits whole in memory.
func (h *handlers) SyncPull(c echo.Context) error {
	var req api.PullRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	limit := 0
	if req.Limit != nil {
		limit = *req.Limit
	}
	// The page is built whole before any of it goes out (pages are bounded in bytes, see
	// store.PullEach), so the database is given back before a slow or stalled client is sent
	// its answer.
	a := h.gz.answer(c)
	defer a.release()
	w, put := h.gz.bufWriter(a)
	defer put()
	w.WriteString(`{"changes":[`)
	first := true
	page, err := h.sync.PullEach(c.Request().Context(), userID(c), req.ClientId, req.Cursor, limit, func(ch store.Change) error {
		if !first {
			w.WriteByte(',')
		}
		first = false
		w.WriteString(`{"entity":"`)
		w.WriteString(ch.Entity)
		w.WriteString(`","record_id":"`)
		w.WriteString(ch.ID) // a UUID checked on the way in: nothing to escape
		w.WriteString(`","version":`)
		w.WriteString(strconv.FormatInt(ch.Version, 10))
		w.WriteString(`,"deleted":`)
		w.WriteString(strconv.FormatBool(ch.Deleted))
		w.WriteString(`,"record":`)
		w.WriteString(ch.Data)
		w.WriteString("}")
		return nil
	})
	if err != nil {
		return err
	}
	w.WriteString(`],"cursor":`)
	w.WriteString(strconv.FormatInt(page.Cursor, 10))
	w.WriteString(`,"has_more":`)
	w.WriteString(strconv.FormatBool(page.HasMore))
	w.WriteString(`,"last_mutation_id":`)
	w.WriteString(strconv.FormatInt(page.LastMutationID, 10))
	w.WriteString(`,"reset":`)
	w.WriteString(strconv.FormatBool(page.Reset))
	w.WriteString("}\n")
	if err := w.Flush(); err != nil {
		return err
	}
	return a.send()
}

// SyncEvents implements GET /sync/events: a poke after each commit of this user, a ping
// comment now and then so idle proxies keep the stream open. The stream ends when its access
// token expires, when its sign-in ends (checked at each ping), and when the user opens more
// streams than allowed (the oldest goes); the client reconnects with a fresh token.
func (h *handlers) SyncEvents(c echo.Context) error {
	a, _ := access(c)
	// A stream lasts: one read now spares a deleted account's stream its wait for the first ping.
	if h.accountGone(c.Request().Context(), a.UserID) {
		return errAccountGone()
	}
	pokes, cancel := h.hub.Subscribe(a.UserID)
	defer cancel()
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set(echo.HeaderCacheControl, "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 3000\n: connected\n\n")); err != nil {
		return nil
	}
	w.Flush()
	ping := time.NewTicker(h.pingEvery)
	defer ping.Stop()
	expired := time.NewTimer(a.Expires.Sub(h.now()))
	defer expired.Stop()
	ctx := c.Request().Context()
	for {
		var msg string
		select {
		case <-ctx.Done():
			return nil
		case <-h.shutdown:
			return nil
		case <-expired.C:
			return nil
		case _, open := <-pokes:
			if !open { // the account was deleted, or a newer stream of this user took its place
				return nil
			}
			msg = "event: poke\ndata: {}\n\n"
		case <-ping.C:
			if !h.now().Before(a.Expires) {
				return nil
			}
			if live, err := h.auth.Live(ctx, a); err == nil && !live {
				return nil
			}
			if h.accountGone(ctx, userID(c)) {
				return nil // deleted through another instance
			}
			msg = ": ping\n\n"
		}
		if _, err := w.Write([]byte(msg)); err != nil {
			return nil // the client went away
		}
		w.Flush()
	}
}
