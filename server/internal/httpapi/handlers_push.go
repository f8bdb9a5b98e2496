package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/askwell/askwell/api"
	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/playbook"
	"github.com/askwell/askwell/server/internal/push"
	"github.com/askwell/askwell/server/internal/records"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/syncer"
)

// GetVapidPublicKey implements GET /push/vapid-public-key.
func (h *handlers) GetVapidPublicKey(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-cache")
	return c.JSON(http.StatusOK, api.VapidKey{PublicKey: h.vapidPublic})
}

// SavePushSubscription implements POST /push/subscriptions. The endpoint is checked against
// private and loopback addresses here and again when a push is sent (DNS can change).
func (h *handlers) SavePushSubscription(c echo.Context) error {
	var req api.PushSubscription
	if err := bind(c, &req); err != nil {
		return err
	}
	sub := push.Subscription{Endpoint: req.Endpoint, P256dh: req.Keys.P256dh, Auth: req.Keys.Auth}
	if err := h.guard.Check(c.Request().Context(), sub.Endpoint); err != nil {
		if errors.Is(err, push.ErrBadEndpoint) {
			return newError(http.StatusBadRequest, "bad_endpoint", strings.TrimPrefix(err.Error(), "push: "))
		}
		return newError(http.StatusServiceUnavailable, "unavailable", "could not check the push endpoint; try again")
	}
	if err := sub.Validate(); err != nil {
		return newError(http.StatusBadRequest, "bad_subscription", strings.TrimPrefix(err.Error(), "push: "))
	}
	if err := h.checkSubscriptionRoom(c, sub.Endpoint); err != nil {
		return err
	}
	ua := ""
	if req.UserAgent != nil {
		ua = *req.UserAgent
	}
	err := h.store.SaveSubscription(c.Request().Context(), &store.PushSubscription{
		ID: uuid.Must(uuid.NewV7()).String(), UserID: userID(c), Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth,
		UserAgent: ua, CreatedAt: h.now().UTC(),
	})
	if errors.Is(err, store.ErrSubscriptionTaken) {
		return newError(http.StatusConflict, "subscription_taken", "this browser's push endpoint is registered to another account; sign out there first")
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusCreated)
}

// checkSubscriptionRoom refuses a new endpoint when the user has as many as allowed: each one
// is a URL the server calls for every reminder, so their number is bounded. Re-sending a known
// endpoint (every app start does) always passes.
func (h *handlers) checkSubscriptionRoom(c echo.Context, endpoint string) error {
	subs, err := h.store.Subscriptions(c.Request().Context(), userID(c))
	if err != nil {
		return err
	}
	if len(subs) < h.maxSubscriptions || slices.ContainsFunc(subs, func(s store.PushSubscription) bool { return s.Endpoint == endpoint }) {
		return nil
	}
	return newError(http.StatusTooManyRequests, "too_many_subscriptions",
		fmt.Sprintf("this account already has %d push subscriptions; turn reminders off on a device you no longer use", len(subs))).
		with(map[string]any{"limit": h.maxSubscriptions})
}

// DeletePushSubscription implements DELETE /push/subscriptions; only the user's own endpoint.
func (h *handlers) DeletePushSubscription(c echo.Context) error {
	var req api.PushEndpoint
	if err := bind(c, &req); err != nil {
		return err
	}
	if _, err := h.store.DeleteSubscription(c.Request().Context(), userID(c), req.Endpoint); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ReminderDone implements POST /reminders/{id}/done.
func (h *handlers) ReminderDone(c echo.Context, id api.ReminderID) error {
	return h.reminderAction(c, id, map[string]any{"status": playbook.ReminderDone, "snoozed_until": nil})
}

// ReminderSnooze implements POST /reminders/{id}/snooze: for the minutes given (an hour by
// default) or until a time.
func (h *handlers) ReminderSnooze(c echo.Context, id api.ReminderID) error {
	var req api.SnoozeRequest
	if c.Request().ContentLength > 0 {
		if err := bind(c, &req); err != nil {
			return err
		}
	}
	now := h.now().UTC()
	until := now.Add(time.Hour)
	switch {
	case req.Until != nil:
		until = req.Until.UTC()
		if !until.After(now) || until.After(now.Add(90*24*time.Hour)) {
			return newError(http.StatusBadRequest, "invalid_field", "until: want a time in the next 90 days").
				with(map[string]any{"field": "until"})
		}
	case req.Minutes != nil:
		until = now.Add(time.Duration(*req.Minutes) * time.Minute)
	}
	return h.reminderAction(c, id, map[string]any{"status": playbook.ReminderSnoozed, "snoozed_until": until.Format(time.RFC3339)})
}

func (h *handlers) reminderAction(c echo.Context, id string, fields map[string]any) error {
	data, err := h.sync.ServerPut(c.Request().Context(), userID(c), records.Reminder, id, fields)
	if errors.Is(err, syncer.ErrNotFound) || errors.Is(err, store.ErrForeignRecord) {
		return newError(http.StatusNotFound, "not_found", "no such reminder")
	}
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, []byte(data))
}

// reminderUser accepts the access token, or an action token made for the reminder in the path
// (the service worker acts from a notification with no session at hand).
func reminderUser(tokens *auth.Tokens, svc *auth.Service) echo.MiddlewareFunc {
	return tokenGuard(svc, "send the access token or the reminder's action token",
		func(c echo.Context, tok string) (auth.Access, error) {
			if a, err := tokens.Check(tok); err == nil {
				return a, nil
			}
			id, err := tokens.VerifyAction(tok, c.Param("id"))
			if err != nil {
				return auth.Access{}, err
			}
			return auth.Access{UserID: id}, nil // no sign-in behind it: only the account must exist
		})
}
