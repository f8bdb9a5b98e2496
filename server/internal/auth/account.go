package auth

import (
	"context"
	"errors"

	"github.com/askwell/askwell/server/internal/store"
)

// DeleteAccount asks for the password again, then removes the account with every record,
// token, subscription and reminder it owns. Refresh tokens go with it, so no session renews.
func (s *Service) DeleteAccount(ctx context.Context, userID, password string) error {
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrInvalidToken
	}
	if err != nil {
		return err
	}
	ok, err := s.check(ctx, u.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return ErrInvalidCredentials
	}
	return s.store.DeleteUser(ctx, userID)
}
