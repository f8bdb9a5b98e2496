package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/askwell/askwell/server/internal/auth"
	"github.com/askwell/askwell/server/internal/store"
	"github.com/askwell/askwell/server/internal/syncer"
)

// statusClientClosed is the conventional status for a request the client abandoned.
const statusClientClosed = 499

// apiError is an error with its HTTP status and stable code, rendered as
// {"error": {"code", "message", "details"}}.
type apiError struct {
	Status  int
	Code    string
	Message string
	Details map[string]any
}

// Error names the code first, so logs group the same refusal together.
func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func newError(status int, code, msg string) *apiError {
	return &apiError{Status: status, Code: code, Message: msg}
}

func (e *apiError) with(details map[string]any) *apiError {
	e.Details = details
	return e
}

// invalidRequest is a 400 naming the body's field at fault and why, for the checks written
// out by hand where the contract's validator is skipped.
func invalidRequest(field, reason string) *apiError {
	return newError(http.StatusBadRequest, "invalid_request", field+": "+reason).
		with(map[string]any{"field": field, "reason": reason})
}

// classify maps any error a handler returns to one apiError; unknown errors are a 500
// whose cause is logged but never sent.
func classify(err error) *apiError {
	var ae *apiError
	var he *echo.HTTPError
	var gap *syncer.GapError
	var inv *syncer.InvalidError
	var locked *auth.LockedError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, context.Canceled):
		// The client went away mid-request (a phone losing signal): not our failure.
		return newError(statusClientClosed, "client_closed", "the request was cancelled")
	case errors.As(err, &gap):
		return newError(http.StatusConflict, "mutation_gap", "mutation ids skip ahead; resend from expected_id").
			with(map[string]any{"expected_id": gap.Expected})
	case errors.As(err, &inv):
		if inv.Malformed { // off the schema, like any bad request: named by its place in the body
			return invalidRequest(fmt.Sprintf("mutations.%d.%s", inv.Index, inv.Field), inv.Reason)
		}
		d := map[string]any{"index": inv.Index, "reason": inv.Reason}
		if inv.MutationID > 0 {
			d["mutation_id"] = inv.MutationID
		}
		if inv.Field != "" {
			d["field"] = inv.Field
		}
		return newError(http.StatusUnprocessableEntity, "invalid_mutation", inv.Message()).with(d)
	case errors.Is(err, store.ErrQuotaExceeded):
		return newError(http.StatusRequestEntityTooLarge, "quota_exceeded",
			"this account's records would go over its storage quota; delete some (and empty them from the bin) first")
	case errors.Is(err, store.ErrForeignRecord):
		return newError(http.StatusConflict, "id_taken", "a record id in this batch is already in use; use a new id")
	case errors.Is(err, store.ErrUserGone):
		return errAccountGone()
	case errors.Is(err, store.ErrClientTaken):
		return newError(http.StatusConflict, "client_taken", "this client id is bound to another account; make a new one")
	case errors.As(err, &locked):
		secs := int(math.Ceil(locked.RetryAfter.Seconds()))
		return newError(http.StatusTooManyRequests, "account_locked",
			fmt.Sprintf("too many failed sign-ins for this account; try again in %d seconds", secs)).
			with(map[string]any{"retry_after": secs})
	case errors.Is(err, auth.ErrInvalidCredentials):
		return newError(http.StatusUnauthorized, "invalid_credentials", "wrong email or password")
	case errors.Is(err, auth.ErrTokenReused):
		return newError(http.StatusUnauthorized, "token_reused", "this sign-in was ended for safety; sign in again")
	case errors.Is(err, auth.ErrInvalidToken):
		return newError(http.StatusUnauthorized, "unauthorized", msgBadToken)
	case errors.Is(err, auth.ErrEmailTaken):
		return newError(http.StatusConflict, "email_taken", "this email is already registered; sign in instead")
	case errors.As(err, &he):
		return fromEcho(he)
	}
	return newError(http.StatusInternalServerError, "internal", msgInternal)
}

// echoErrors are the code and message of each status Echo's own middleware answers with
// (routing, body limit, rate limits, timeouts), in the words of the server's own errors.
var echoErrors = map[int]struct{ code, message string }{
	http.StatusNotFound:              {"not_found", "no such endpoint"},
	http.StatusMethodNotAllowed:      {"method_not_allowed", "method not allowed here"},
	http.StatusRequestEntityTooLarge: {"body_too_large", "the request body is over 1 MiB"},
	http.StatusTooManyRequests:       {"rate_limited", msgRateLimited},
	http.StatusUnauthorized:          {"unauthorized", msgBadToken},
	http.StatusUnsupportedMediaType:  {"unsupported_media_type", msgSendJSON},
	http.StatusServiceUnavailable:    {"unavailable", "the server is busy or shutting down; try again"},
}

// Messages said in more than one place.
const (
	msgRateLimited = "too many attempts; wait a minute and try again"
	msgBadToken    = "missing, invalid or expired token"
	msgSendJSON    = "send JSON (Content-Type: application/json)"
	msgInternal    = "something went wrong on our side; try again"
)

func fromEcho(he *echo.HTTPError) *apiError {
	if e, ok := echoErrors[he.Code]; ok {
		return newError(he.Code, e.code, e.message)
	}
	if he.Code >= 400 && he.Code < 500 {
		return newError(he.Code, "bad_request", http.StatusText(he.Code))
	}
	return newError(http.StatusInternalServerError, "internal", msgInternal)
}

// errorHandler is Echo's one error handler: every error leaves as the same JSON shape.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		ae := classify(err)
		if ae.Status >= 500 {
			log.Error("request failed", "err", err, "path", c.Path(),
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
		}
		if secs, ok := ae.Details["retry_after"].(int); ok {
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		}
		body := map[string]any{"code": ae.Code, "message": ae.Message}
		if ae.Details != nil {
			body["details"] = ae.Details
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(ae.Status)
			return
		}
		_ = c.JSON(ae.Status, map[string]any{"error": body})
	}
}
