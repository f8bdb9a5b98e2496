package auth

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// actionAudience keeps action tokens and access tokens apart: neither is accepted as the other.
const actionAudience = "askwell-reminder"

// ActionTTL is how long the Done/Snooze buttons of a notification keep working.
const ActionTTL = 7 * 24 * time.Hour

type actionClaims struct {
	jwt.RegisteredClaims
	Reminder string `json:"rid"`
}

// IssueAction signs a token that allows acting on one reminder of one user, and nothing else.
// It travels in the push payload so the service worker can mark the reminder done or snoozed
// without the app open.
func (t *Tokens) IssueAction(userID, reminderID string) (string, error) {
	now := t.now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, actionClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject: userID, Issuer: "askwell", Audience: jwt.ClaimStrings{actionAudience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(ActionTTL)),
		},
		Reminder: reminderID,
	})
	tok.Header["kid"] = t.kid
	return tok.SignedString(t.secret)
}

// VerifyAction checks an action token for that reminder and returns its user.
func (t *Tokens) VerifyAction(token, reminderID string) (string, error) {
	var c actionClaims
	if err := t.parse(token, &c, actionAudience); err != nil || c.Reminder != reminderID {
		return "", ErrInvalidToken
	}
	return c.Subject, nil
}
