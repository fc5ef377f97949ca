package httpapi_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"hummdesk/internal/config"
	"hummdesk/internal/testkit"
)

// btSigningKey is the JWT key of apps started with btKnownKey, so tests can
// forge tokens the server must refuse.
const btSigningKey = "behaviour-test-signing-key-0123456789abcdef"

func btKnownKey(c *config.Config) { c.JWTSecret = btSigningKey }

const btPlatformToken = "test-platform-token-0123456789"

// btAddAgent adds a new user to the tenant's account and returns their id,
// email and password.
func btAddAgent(t *testing.T, a *testkit.App, ten testkit.Tenant, role string) (int64, string, string) {
	t.Helper()
	email := testkit.Unique("agent") + "@example.test"
	res := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Token: ten.Token,
		Path: fmt.Sprintf("/api/v1/accounts/%d/agents", ten.AccountID),
		Body: map[string]any{"name": "Alan Agent", "email": email, "role": role, "password": "agent password 1"}})
	return testkit.ID(res.JSON["id"]), email, "agent password 1"
}

func btLogin(t *testing.T, a *testkit.App, email, password string, headers map[string]string) testkit.Response {
	t.Helper()
	return a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/auth/login", Headers: headers,
		Body: map[string]any{"email": email, "password": password}})
}

func btRefresh(t *testing.T, a *testkit.App, token string) testkit.Response {
	t.Helper()
	return a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/auth/refresh", Body: map[string]any{"refresh_token": token}})
}

func TestLoginReturnsTokensUserAndAccountRoles(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		agentID, email, pw := btAddAgent(t, a, ten, "agent")

		res := btLogin(t, a, strings.ToUpper(email), pw, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("login: %d %s", res.Status, res.Raw)
		}
		for _, k := range []string{"access_token", "refresh_token"} {
			if s, _ := res.JSON[k].(string); len(s) < 20 {
				t.Errorf("%s = %q, want a token", k, res.JSON[k])
			}
		}
		user, _ := res.JSON["user"].(map[string]any)
		if testkit.ID(user["id"]) != agentID || user["email"] != email {
			t.Errorf("user = %v, want id %d email %s", user, agentID, email)
		}
		if _, leaked := user["password_hash"]; leaked {
			t.Error("login answer contains the password hash")
		}
		accounts, _ := res.JSON["accounts"].([]any)
		if len(accounts) != 1 {
			t.Fatalf("accounts = %v, want one", res.JSON["accounts"])
		}
		acc := accounts[0].(map[string]any)
		if testkit.ID(acc["id"]) != ten.AccountID || acc["role"] != "agent" || acc["name"] == "" {
			t.Errorf("account = %v, want id %d role agent with a name", acc, ten.AccountID)
		}
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID),
			Token: res.JSON["access_token"].(string)})

		admin := btLogin(t, a, ten.Email, ten.Password, nil)
		if r := admin.JSON["accounts"].([]any)[0].(map[string]any)["role"]; r != "administrator" {
			t.Errorf("administrator's role = %v", r)
		}
	})
}

func TestLoginFailuresAreIndistinguishable(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		unknown := btLogin(t, a, testkit.Unique("nobody")+"@example.test", ten.Password, nil)
		wrong := btLogin(t, a, ten.Email, "not the password", nil)
		btProblem(t, unknown, http.StatusUnauthorized)
		btProblem(t, wrong, http.StatusUnauthorized)
		if string(unknown.Raw) != string(wrong.Raw) {
			t.Errorf("unknown email and wrong password answer differently:\n%s\n%s", unknown.Raw, wrong.Raw)
		}
		for _, h := range []string{"Content-Type", "Retry-After", "Www-Authenticate"} {
			if unknown.Header.Get(h) != wrong.Header.Get(h) {
				t.Errorf("header %s differs: %q vs %q", h, unknown.Header.Get(h), wrong.Header.Get(h))
			}
		}
	})
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		other := btLogin(t, a, ten.Email, ten.Password, nil) // a second, independent session

		r1 := ten.Refresh
		second := btRefresh(t, a, r1)
		if second.Status != http.StatusOK {
			t.Fatalf("refresh: %d %s", second.Status, second.Raw)
		}
		r2 := second.JSON["refresh_token"].(string)
		if r2 == r1 {
			t.Fatal("refresh returned the same refresh token")
		}
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/profile", Token: second.JSON["access_token"].(string)})

		third := btRefresh(t, a, r2)
		if third.Status != http.StatusOK {
			t.Fatalf("refresh of the new token: %d %s", third.Status, third.Raw)
		}
		r3 := third.JSON["refresh_token"].(string)

		// r1 was spent: presenting it again is theft, and the whole family
		// dies, including the newest token.
		btProblem(t, btRefresh(t, a, r1), http.StatusUnauthorized)
		btProblem(t, btRefresh(t, a, r3), http.StatusUnauthorized)
		btProblem(t, btRefresh(t, a, r2), http.StatusUnauthorized)

		// Another login's family is untouched.
		if res := btRefresh(t, a, other.JSON["refresh_token"].(string)); res.Status != http.StatusOK {
			t.Errorf("an unrelated session died with the stolen family: %d %s", res.Status, res.Raw)
		}
		btProblem(t, btRefresh(t, a, "not-a-token"), http.StatusUnauthorized)
	})
}

func TestLogoutRevokesTheRefreshToken(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		rotated := btRefresh(t, a, ten.Refresh)
		if rotated.Status != http.StatusOK {
			t.Fatalf("refresh: %d %s", rotated.Status, rotated.Raw)
		}
		latest := rotated.JSON["refresh_token"].(string)
		a.MustDo(t, http.StatusNoContent, testkit.Req{Method: "POST", Path: "/api/v1/auth/logout", Body: map[string]any{"refresh_token": latest}})
		btProblem(t, btRefresh(t, a, latest), http.StatusUnauthorized)
		// Logging out twice, or with an unknown token, reveals nothing.
		a.MustDo(t, http.StatusNoContent, testkit.Req{Method: "POST", Path: "/api/v1/auth/logout", Body: map[string]any{"refresh_token": latest}})
		a.MustDo(t, http.StatusNoContent, testkit.Req{Method: "POST", Path: "/api/v1/auth/logout", Body: map[string]any{"refresh_token": "unknown"}})
	})
}

// btClaims decodes a JWT's payload without verifying it.
func btClaims(t *testing.T, token string) jwt.MapClaims {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c jwt.MapClaims
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func btSign(t *testing.T, m jwt.SigningMethod, claims jwt.MapClaims, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestForgedAccessTokensAreRefused(t *testing.T) {
	t.Parallel()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d, btKnownKey)
		ten := a.Signup(t)
		base := btClaims(t, ten.Token)
		with := func(k string, v any) jwt.MapClaims {
			c := jwt.MapClaims{}
			for kk, vv := range base {
				c[kk] = vv
			}
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
			return c
		}
		key := []byte(btSigningKey)
		now := time.Now()

		// The control: the real claims re-signed with the real key pass, so
		// every refusal below is about the one thing that was changed.
		control := btSign(t, jwt.SigningMethodHS256, base, key)
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/profile", Token: control})

		inbox := btInbox(t, a, ten, nil)
		session := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/api/v1/widget/" + inbox.token + "/contacts", Body: map[string]any{}})

		cases := map[string]string{
			"alg none":          btSign(t, jwt.SigningMethodNone, base, jwt.UnsafeAllowNoneSignatureType),
			"HS512":             btSign(t, jwt.SigningMethodHS512, base, key),
			"RS256":             btSign(t, jwt.SigningMethodRS256, base, rsaKey),
			"wrong key":         btSign(t, jwt.SigningMethodHS256, base, []byte(strings.Repeat("k", 40))),
			"wrong issuer":      btSign(t, jwt.SigningMethodHS256, with("iss", "someone-else"), key),
			"no issuer":         btSign(t, jwt.SigningMethodHS256, with("iss", nil), key),
			"contact audience":  btSign(t, jwt.SigningMethodHS256, with("aud", []string{"hummdesk-contact"}), key),
			"no audience":       btSign(t, jwt.SigningMethodHS256, with("aud", nil), key),
			"expired":           btSign(t, jwt.SigningMethodHS256, with("exp", now.Add(-time.Minute).Unix()), key),
			"no expiry":         btSign(t, jwt.SigningMethodHS256, with("exp", nil), key),
			"issued in future":  btSign(t, jwt.SigningMethodHS256, with("iat", now.Add(time.Hour).Unix()), key),
			"tampered payload":  btTamper(ten.Token),
			"widget token":      session.JSON["contact_token"].(string),
			"refresh token":     ten.Refresh,
			"garbage":           "abc.def.ghi",
			"subject not a num": btSign(t, jwt.SigningMethodHS256, with("sub", "admin"), key),
		}
		paths := []string{"/api/v1/profile", fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID),
			fmt.Sprintf("/api/v1/accounts/%d/conversations", ten.AccountID)}
		for name, tok := range cases {
			for _, p := range paths {
				res := a.Do(t, testkit.Req{Method: "GET", Path: p, Token: tok})
				if res.Status != http.StatusUnauthorized {
					t.Errorf("%s on %s: status %d, want 401; body %s", name, p, res.Status, res.Raw)
					continue
				}
				btProblem(t, res, http.StatusUnauthorized)
			}
		}
		for _, h := range []string{"", "Basic YWRtaW46YWRtaW4=", "Bearer ", "Token " + ten.Token} {
			req := testkit.Req{Method: "GET", Path: "/api/v1/profile"}
			if h != "" {
				req.Headers = map[string]string{"Authorization": h}
			}
			btProblem(t, a.Do(t, req), http.StatusUnauthorized)
		}
	})
}

// btTamper changes one character of a token's payload, keeping the
// signature.
func btTamper(tok string) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[1])
	i := len(p) / 2
	if p[i] == 'A' {
		p[i] = 'B'
	} else {
		p[i] = 'A'
	}
	return parts[0] + "." + string(p) + "." + parts[2]
}

func TestPasswordChangeRevokesEverySessionAtOnce(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		second := btLogin(t, a, ten.Email, ten.Password, nil)
		access2, refresh2 := second.JSON["access_token"].(string), second.JSON["refresh_token"].(string)
		accountPath := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)

		// A wrong current password changes nothing.
		res := a.Do(t, testkit.Req{Method: "PUT", Path: "/api/v1/profile/password", Token: ten.Token,
			Body: map[string]any{"current_password": "wrong password", "new_password": "a brand new password"}})
		btProblem(t, res, http.StatusUnprocessableEntity)
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: accountPath, Token: access2})

		a.MustDo(t, http.StatusNoContent, testkit.Req{Method: "PUT", Path: "/api/v1/profile/password", Token: ten.Token,
			Body: map[string]any{"current_password": ten.Password, "new_password": "a brand new password"}})

		for _, tok := range []string{ten.Token, access2} {
			btProblem(t, a.Do(t, testkit.Req{Method: "GET", Path: "/api/v1/profile", Token: tok}), http.StatusUnauthorized)
			btProblem(t, a.Do(t, testkit.Req{Method: "GET", Path: accountPath, Token: tok}), http.StatusUnauthorized)
			btProblem(t, a.Do(t, testkit.Req{Method: "PATCH", Path: "/api/v1/profile", Token: tok, Body: map[string]any{"name": "Mallory"}}), http.StatusUnauthorized)
		}
		for _, rt := range []string{ten.Refresh, refresh2} {
			btProblem(t, btRefresh(t, a, rt), http.StatusUnauthorized)
		}
		btProblem(t, btLogin(t, a, ten.Email, ten.Password, nil), http.StatusUnauthorized)

		// The new password works at once, and its tokens too.
		fresh := btLogin(t, a, ten.Email, "a brand new password", nil)
		if fresh.Status != http.StatusOK {
			t.Fatalf("login with the new password: %d %s", fresh.Status, fresh.Raw)
		}
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: accountPath, Token: fresh.JSON["access_token"].(string)})
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/api/v1/profile", Token: fresh.JSON["access_token"].(string)})
		if res := btRefresh(t, a, fresh.JSON["refresh_token"].(string)); res.Status != http.StatusOK {
			t.Errorf("refresh after the change: %d %s", res.Status, res.Raw)
		}
	})
}

func TestRemovingAnAgentRevokesTheirAccessAtOnce(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		agentID, email, pw := btAddAgent(t, a, ten, "agent")
		sess := btLogin(t, a, email, pw, nil)
		access, refresh := sess.JSON["access_token"].(string), sess.JSON["refresh_token"].(string)
		accountPath := fmt.Sprintf("/api/v1/accounts/%d", ten.AccountID)
		a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: accountPath + "/conversations", Token: access})

		a.MustDo(t, http.StatusNoContent, testkit.Req{Method: "DELETE", Path: fmt.Sprintf("%s/agents/%d", accountPath, agentID), Token: ten.Token})

		missing := a.Do(t, testkit.Req{Method: "GET", Path: "/api/v1/accounts/999999999", Token: access})
		for _, p := range []string{accountPath, accountPath + "/conversations", accountPath + "/contacts"} {
			res := a.Do(t, testkit.Req{Method: "GET", Path: p, Token: access})
			btProblem(t, res, http.StatusNotFound)
			if string(res.Raw) != string(missing.Raw) {
				t.Errorf("%s after removal answers %s, a missing account %s", p, res.Raw, missing.Raw)
			}
		}
		btProblem(t, btRefresh(t, a, refresh), http.StatusUnauthorized)

		// The user still exists and can log in, with no account left.
		again := btLogin(t, a, email, pw, nil)
		if again.Status != http.StatusOK {
			t.Fatalf("login after removal: %d %s", again.Status, again.Raw)
		}
		if accs := again.JSON["accounts"].([]any); len(accs) != 0 {
			t.Errorf("accounts after removal = %v", accs)
		}
	})
}

func TestLoginThrottlePerEmail(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		other := a.Signup(t)
		for i := range 10 {
			res := btLogin(t, a, ten.Email, fmt.Sprintf("wrong %d", i), nil)
			btProblem(t, res, http.StatusUnauthorized)
		}
		res := btLogin(t, a, ten.Email, ten.Password, nil)
		btProblem(t, res, http.StatusTooManyRequests)
		// The sliding window of 15 minutes frees one attempt at most a
		// window and a tenth of a window after the first failure.
		if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 || n > 15*60+90 {
			t.Errorf("Retry-After = %q, want 1..990 seconds", res.Header.Get("Retry-After"))
		}
		// Other emails from the same address are not locked out.
		if res := btLogin(t, a, other.Email, other.Password, nil); res.Status != http.StatusOK {
			t.Errorf("another user's login: %d %s", res.Status, res.Raw)
		}
	})
}

// TestLoginThrottleHoldsUnderConcurrency sends many wrong passwords for one
// email at once: no more than the limit may be checked.
func TestLoginThrottleHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		const n = 24
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				statuses[i] = btLogin(t, a, ten.Email, fmt.Sprintf("guess %d", i), nil).Status
			})
		}
		wg.Wait()
		checked := 0
		for _, s := range statuses {
			switch s {
			case http.StatusUnauthorized:
				checked++
			case http.StatusTooManyRequests:
			default:
				t.Errorf("status %d", s)
			}
		}
		if checked > 10 {
			t.Errorf("%d concurrent guesses were checked, want at most 10", checked)
		}
		btProblem(t, btLogin(t, a, ten.Email, ten.Password, nil), http.StatusTooManyRequests)
	})
}

// btFailLogins sends n failing logins for unknown emails, a few at a time
// (each costs a password hash), with the headers headers(i) returns; every
// one must be a 401.
func btFailLogins(t *testing.T, a *testkit.App, n int, headers func(i int) map[string]string) {
	t.Helper()
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res := btLogin(t, a, testkit.Unique("guess")+"@example.test", "whatever", headers(i))
			if res.Status != http.StatusUnauthorized {
				t.Errorf("failing login %d: %d %s", i, res.Status, res.Raw)
			}
		})
	}
	wg.Wait()
}

func TestLoginThrottlePerIPIgnoresSpoofedForwardedFor(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		ten := a.Signup(t)
		// Each attempt claims to come from somewhere else; the peer is not a
		// trusted proxy, so the headers must not matter.
		btFailLogins(t, a, 50, func(i int) map[string]string {
			ip := fmt.Sprintf("198.51.100.%d", i+1)
			return map[string]string{"X-Forwarded-For": ip, "X-Real-Ip": ip, "Forwarded": "for=" + ip}
		})
		res := btLogin(t, a, ten.Email, ten.Password, map[string]string{"X-Forwarded-For": "203.0.113.99"})
		btProblem(t, res, http.StatusTooManyRequests)
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	})
}

// TestLoginThrottleUsesForwardedForFromTrustedProxy runs on SQLite only:
// the throttle lives in the limiter, not the database, and each of its 50
// failures costs a password hash.
func TestLoginThrottleUsesForwardedForFromTrustedProxy(t *testing.T) {
	t.Parallel()
	trust := func(c *config.Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} }
	a := testkit.StartApp(t, testkit.SQLite, trust)
	ten := a.Signup(t)
	// The client put its own guess first; the proxy appended the real
	// address, which is the one that counts.
	btFailLogins(t, a, 50, func(int) map[string]string {
		return map[string]string{"X-Forwarded-For": "10.9.8.7, 203.0.113.7"}
	})
	btProblem(t, btLogin(t, a, ten.Email, ten.Password, map[string]string{"X-Forwarded-For": "203.0.113.7"}), http.StatusTooManyRequests)
	btProblem(t, btLogin(t, a, ten.Email, ten.Password, map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}), http.StatusTooManyRequests)
	for _, xff := range []string{"203.0.113.8", "203.0.113.7, 203.0.113.8"} {
		if res := btLogin(t, a, ten.Email, ten.Password, map[string]string{"X-Forwarded-For": xff}); res.Status != http.StatusOK {
			t.Errorf("another client (%s) behind the proxy: %d %s", xff, res.Status, res.Raw)
		}
	}
	// Without the header the proxy itself is the client, and has its own
	// budget.
	if res := btLogin(t, a, ten.Email, ten.Password, nil); res.Status != http.StatusOK {
		t.Errorf("the proxy's own request: %d %s", res.Status, res.Raw)
	}
}

func TestSignupCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d, func(c *config.Config) { c.Signup = false })
		res := a.Do(t, testkit.Req{Method: "POST", Path: "/api/v1/accounts", Body: map[string]any{
			"account_name": "Acme", "name": "Ada", "email": testkit.Unique("a") + "@example.test", "password": "correct horse battery"}})
		btProblem(t, res, http.StatusForbidden)
		list := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: "/platform/api/v1/accounts", Token: btPlatformToken})
		if data := list.JSON["data"].([]any); len(data) != 0 {
			t.Errorf("refused signup created accounts: %v", data)
		}
	})
}

func TestPlatformAPI(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		for name, tok := range map[string]string{"none": "", "wrong": "test-platform-token-0123456780", "prefix": btPlatformToken[:10]} {
			res := a.Do(t, testkit.Req{Method: "GET", Path: "/platform/api/v1/accounts", Token: tok})
			if res.Status != http.StatusUnauthorized {
				t.Errorf("%s token: %d", name, res.Status)
			}
			btProblem(t, res, http.StatusUnauthorized)
		}
		// An agent's access token is not a platform token.
		ten := a.Signup(t)
		btProblem(t, a.Do(t, testkit.Req{Method: "GET", Path: "/platform/api/v1/accounts", Token: ten.Token}), http.StatusUnauthorized)

		acc := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/platform/api/v1/accounts", Token: btPlatformToken,
			Body: map[string]any{"name": "Provisioned Ltd"}})
		accID := testkit.ID(acc.JSON["id"])
		email := testkit.Unique("prov") + "@example.test"
		user := a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/platform/api/v1/users", Token: btPlatformToken,
			Body: map[string]any{"name": "Pat Provisioned", "email": email, "password": "provisioned pw 1"}})
		userID := testkit.ID(user.JSON["id"])
		btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: "/platform/api/v1/users", Token: btPlatformToken,
			Body: map[string]any{"name": "Dup", "email": strings.ToUpper(email), "password": "provisioned pw 1"}}), http.StatusConflict)
		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Token: btPlatformToken,
			Path: fmt.Sprintf("/platform/api/v1/accounts/%d/account_users", accID),
			Body: map[string]any{"user_id": userID, "role": "administrator"}})

		login := btLogin(t, a, email, "provisioned pw 1", nil)
		if login.Status != http.StatusOK {
			t.Fatalf("provisioned user's login: %d %s", login.Status, login.Raw)
		}
		accs := login.JSON["accounts"].([]any)
		if len(accs) != 1 || testkit.ID(accs[0].(map[string]any)["id"]) != accID || accs[0].(map[string]any)["role"] != "administrator" {
			t.Fatalf("accounts = %v, want account %d as administrator", accs, accID)
		}
		tok := login.JSON["access_token"].(string)
		a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: fmt.Sprintf("/api/v1/accounts/%d/teams", accID), Token: tok,
			Body: map[string]any{"name": "Support"}})
		got := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: fmt.Sprintf("/platform/api/v1/users/%d", userID), Token: btPlatformToken})
		if accs := got.JSON["accounts"].([]any); len(accs) != 1 {
			t.Errorf("platform user accounts = %v", accs)
		}

		a.MustDo(t, http.StatusNoContent, testkit.Req{Method: "DELETE", Token: btPlatformToken,
			Path: fmt.Sprintf("/platform/api/v1/accounts/%d/account_users/%d", accID, userID)})
		btProblem(t, a.Do(t, testkit.Req{Method: "GET", Path: fmt.Sprintf("/api/v1/accounts/%d", accID), Token: tok}), http.StatusNotFound)
		btProblem(t, btRefresh(t, a, login.JSON["refresh_token"].(string)), http.StatusUnauthorized)
		btProblem(t, a.Do(t, testkit.Req{Method: "GET", Path: "/platform/api/v1/accounts/999999999", Token: btPlatformToken}), http.StatusNotFound)
	})
}

func TestPlatformAPIDisabledWithoutToken(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d, func(c *config.Config) { c.PlatformToken = "" })
		for _, tok := range []string{"", btPlatformToken, "Bearer"} {
			btProblem(t, a.Do(t, testkit.Req{Method: "GET", Path: "/platform/api/v1/accounts", Token: tok}), http.StatusNotFound)
			btProblem(t, a.Do(t, testkit.Req{Method: "POST", Path: "/platform/api/v1/accounts", Token: tok,
				Body: map[string]any{"name": "x"}}), http.StatusNotFound)
		}
	})
}
