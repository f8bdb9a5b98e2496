package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/askwell/askwell/api"
	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/calendar"
	"github.com/askwell/askwell/server/internal/export"
	"github.com/askwell/askwell/server/internal/store"
)

// ExportAll implements GET /export: the document is written while the rows are read.
func (h *handlers) ExportAll(c echo.Context) error {
	ctx := c.Request().Context()
	u, err := liveUser(ctx, h.store, userID(c))
	if err != nil {
		return err
	}
	user, err := json.Marshal(toUser(u))
	if err != nil {
		return err
	}
	now := h.now()
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="askwell-export-`+now.UTC().Format("2006-01-02")+`.json"`)
	w.Header().Set(echo.HeaderCacheControl, "no-store")
	w.WriteHeader(http.StatusOK)
	return export.Write(ctx, h.gz.paced(c), user, now, func(ctx context.Context, entities []string, fn func(export.Record) error) error {
		return h.store.EachRecord(ctx, u.ID, entities, func(r store.Record) error {
			return fn(export.Record{Entity: r.Entity, Data: r.Data})
		})
	})
}

// DeleteMe implements DELETE /me: with the password again, everything of the account goes,
// and its open streams on this instance end.
func (h *handlers) DeleteMe(c echo.Context) error {
	var req api.DeleteAccountRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	id := userID(c)
	if err := h.auth.DeleteAccount(c.Request().Context(), id, req.Password); err != nil {
		if errors.Is(err, auth.ErrInvalidCredentials) {
			return newError(http.StatusForbidden, "wrong_password", "that is not your password; nothing was deleted")
		}
		return err
	}
	h.ended.end(id)
	h.hub.End(id)
	h.clearCookie(c)
	return c.NoContent(http.StatusNoContent)
}

// GetCalendarFeed implements GET /me/calendar, making the secret on first use.
func (h *handlers) GetCalendarFeed(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := h.store.CalendarFeedOf(ctx, userID(c))
	if errors.Is(err, store.ErrNotFound) {
		return h.newCalendarFeed(c)
	}
	if err != nil {
		return err
	}
	return sendFeed(c, f.Token)
}

// RotateCalendarFeed implements POST /me/calendar/rotate.
func (h *handlers) RotateCalendarFeed(c echo.Context) error { return h.newCalendarFeed(c) }

func (h *handlers) newCalendarFeed(c echo.Context) error {
	token, hash := calendar.NewToken()
	if err := h.store.SetCalendarFeed(c.Request().Context(), &store.CalendarFeed{
		UserID: userID(c), Token: token, TokenHash: hash, CreatedAt: h.now().UTC(),
	}); err != nil {
		return err
	}
	return sendFeed(c, token)
}

func sendFeed(c echo.Context, token string) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, api.CalendarFeed{Token: token, Path: "/cal/" + token + ".ics"})
}

// calendarFeed serves /cal/{token}.ics. A wrong token does the same work as a right one up to
// the answer (hash, one indexed lookup, a constant-time compare), so timing tells nothing.
func calendarFeed(st *store.Store, now func() time.Time) echo.HandlerFunc {
	notFound := func() error {
		return newError(http.StatusNotFound, "not_found", "no calendar at this address; copy the current one from Settings")
	}
	return func(c echo.Context) error {
		token, ok := strings.CutSuffix(c.Param("file"), ".ics")
		if !ok || len(token) > 100 {
			return notFound()
		}
		ctx := c.Request().Context()
		f, err := st.CalendarFeedByHash(ctx, calendar.Hash(token))
		stored := strings.Repeat("-", len(token))
		if err == nil {
			stored = f.Token
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if !calendar.Matches(stored, token) || err != nil {
			return notFound()
		}
		u, err := st.UserByID(ctx, f.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return notFound() // the account went (and its feed with it) since the lookup above
		}
		if err != nil {
			return err
		}
		var recs []calendar.Record
		if err := st.EachRecord(ctx, u.ID, calendar.Entities(), func(r store.Record) error {
			recs = append(recs, calendar.Record{Entity: r.Entity, Data: r.Data})
			return nil
		}); err != nil {
			return err
		}
		body, err := calendar.Build(recs, calendar.Options{Zone: u.Timezone, Name: "Askwell", Since: now().AddDate(0, 0, -30)})
		if err != nil {
			return err
		}
		etag := calendar.ETag(body)
		hdr := c.Response().Header()
		hdr.Set("ETag", etag)
		hdr.Set(echo.HeaderCacheControl, "private, max-age=300")
		hdr.Set("Referrer-Policy", "no-referrer")
		if match := c.Request().Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
			return c.NoContent(http.StatusNotModified)
		}
		return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", body)
	}
}

// accountGone reports whether the account was deleted, here or on another instance; a stream
// asks at each keep-alive, so one open elsewhere ends within a ping interval.
func (h *handlers) accountGone(ctx context.Context, userID string) bool {
	if h.ended.ended(userID) {
		return true
	}
	_, err := h.store.UserByID(ctx, userID)
	return errors.Is(err, store.ErrNotFound)
}
