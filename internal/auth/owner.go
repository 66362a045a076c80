package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/conclave-video/conclave/internal/store"
	"github.com/conclave-video/conclave/token"
)

// Tokens the server issues itself (a signed-in host's join token, POST
// /v1/meetings) are signed with the server's own key and carry the owner
// claim: the account they act for. A verified one is the account's, as a
// personal token is: claims.Issuer becomes the owner's user id, so the
// rooms' one admission decision compares it with the room's owner like
// any other issuer, and nothing downstream needs to know where it came
// from. The claim is refused in a token of any other key (an app's key
// cannot speak for an account), and a token of the server's key without
// it is refused too (the server signs nothing else with it).

// UserLookup finds an account by id: store.Store implements it.
type UserLookup interface {
	User(ctx context.Context, id string) (store.User, error)
}

// checkOwner applies the owner rules to verified claims signed by kid,
// and makes an owner token the account's.
func (v *Verifier) checkOwner(ctx context.Context, c *token.Claims, kid string) error {
	if c.Member != "" && (c.Invite == "" || c.Member != c.Subject || !strings.HasPrefix(c.Member, store.UserOwnerPrefix)) {
		// The member claim is the server's, on the guest token it signs
		// for a signed-in member who redeems an invite: the identity is
		// the member's user id, and never without the invite claim
		// (checked below like the owner claim).
		return tokenErr(CodeOwner, "the member claim is accepted only with the invite claim, for the member's own identity, in tokens the server signs itself")
	}
	if err := v.checkOwnerClaim(ctx, c, kid); err != nil || c.Member == "" {
		return err
	}
	return v.checkMember(ctx, c)
}

// checkMember refuses a member's token once its account is gone,
// disabled, or refused by the organisation's rules (AccountCheck), as a
// host token is: a member's lobby skip never outlives its account.
func (v *Verifier) checkMember(ctx context.Context, c *token.Claims) error {
	if v.Users == nil {
		return errors.New("auth: verifier has a server key id but no user lookup")
	}
	u, err := v.Users.User(ctx, c.Member)
	if errors.Is(err, store.ErrNotFound) {
		return tokenErr(CodeTokenRevoked, "the member account of this token no longer exists")
	}
	if err != nil {
		return fmt.Errorf("auth: token member: %w", err)
	}
	if u.Status != store.StatusActive {
		return tokenErr(CodeTokenRevoked, "the member account of this token is disabled")
	}
	if v.AccountCheck != nil {
		g := c.Grants // the member's rules narrow nothing of a guest's grants
		if err := v.AccountCheck(u, &g); err != nil {
			return tokenErr(CodeTokenRevoked, "the member account of this token: "+err.Error())
		}
	}
	return nil
}

func (v *Verifier) checkOwnerClaim(ctx context.Context, c *token.Claims, kid string) error {
	serverKey := v.ServerKeyID != "" && kid == v.ServerKeyID
	if c.Invite != "" && (c.Owner == "" || token.ValidateIdentity(c.Invite) != nil) {
		// The invite claim is the server's, on guest tokens it signs for
		// an account (checked below like the owner claim): never alone.
		return tokenErr(CodeOwner, "the invite claim is accepted only with the owner claim, in tokens the server signs itself")
	}
	switch {
	case c.Owner == "" && !serverKey:
		return nil
	case c.Owner == "":
		return tokenErr(CodeOwner, "a token signed by the server's own key must carry the owner claim")
	case !serverKey:
		return tokenErr(CodeOwner, "the owner claim is accepted only in tokens the server signs itself, not in tokens of key "+kid)
	case c.Invite != "" && !strings.HasPrefix(c.Owner, store.UserOwnerPrefix):
		return v.checkKeyOwner(ctx, c)
	case !strings.HasPrefix(c.Owner, store.UserOwnerPrefix) || token.ValidateIdentity(c.Owner) != nil:
		return tokenErr(CodeOwner, "the owner claim is not an account id")
	case c.Room == "":
		return tokenErr(CodeOwner, "a token the server issues for an account must name its room")
	case v.Users == nil:
		return errors.New("auth: verifier has a server key id but no user lookup")
	}
	u, err := v.Users.User(ctx, c.Owner)
	if errors.Is(err, store.ErrNotFound) {
		return tokenErr(CodeTokenRevoked, "the account this token acts for no longer exists")
	}
	if err != nil {
		return fmt.Errorf("auth: token owner: %w", err)
	}
	if u.Status != store.StatusActive {
		return tokenErr(CodeTokenRevoked, "the account this token acts for is disabled")
	}
	if v.AccountCheck != nil {
		if err := v.AccountCheck(u, &c.Grants); err != nil {
			return tokenErr(CodeTokenRevoked, "the account this token acts for: "+err.Error())
		}
	}
	c.Issuer = u.ID
	return nil
}

// checkKeyOwner makes a guest token of an invite to a room an API key
// owns (the owner claim is then the key's id) that key's: the key must
// exist and not be revoked, as for the tokens it signs itself.
func (v *Verifier) checkKeyOwner(ctx context.Context, c *token.Claims) error {
	if token.ValidateKeyID(c.Owner) != nil || c.Room == "" {
		return tokenErr(CodeOwner, "the owner claim is not an account or API key id")
	}
	k, err := v.Keys.APIKey(ctx, c.Owner)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return tokenErr(CodeTokenRevoked, "the API key this token acts for no longer exists")
	case err != nil:
		return fmt.Errorf("auth: token owner: %w", err)
	case k.Revoked():
		return tokenErr(CodeTokenRevoked, "the API key this token acts for is revoked")
	}
	c.Issuer = k.ID
	return nil
}
