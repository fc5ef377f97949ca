package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"hummdesk/internal/httpapi"
	"hummdesk/internal/store"
	"hummdesk/internal/testkit"
)

func problemType(res testkit.Response) string {
	s, _ := res.JSON["type"].(string)
	return s
}

// TestRoleMatrix proves, for every route of the routes table, who may call
// it: agents are refused administrator routes with 403 and may use member
// routes; administrators may use both; a user of no account gets 404; a
// caller without a valid token gets 401.
func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		w := buildWorld(t, a)
		routes := accountRoutes()
		var admin, memberRoutes int
		for _, r := range routes {
			if r.Access == httpapi.Admin {
				admin++
			} else {
				memberRoutes++
			}
		}
		if admin < 12 || memberRoutes < 12 {
			t.Fatalf("routes table has %d admin and %d member routes; expected more", admin, memberRoutes)
		}

		t.Run("agent", func(t *testing.T) {
			for _, r := range routes {
				refreshDraft(t, a, r, &w)
				res := callRoute(t, a, r, w.ids(), w.AgentToken, bodyFor(t, r, w))
				switch r.Access {
				case httpapi.Admin:
					if res.Status != http.StatusForbidden || problemType(res) != httpapi.ProblemType(http.StatusForbidden) {
						t.Errorf("agent calling admin route %s: status %d, want 403 forbidden; body %s", r.OperationID, res.Status, res.Raw)
					}
				case httpapi.Member:
					if res.Status < 200 || res.Status > 299 {
						t.Errorf("agent calling member route %s: status %d, want 2xx; body %s", r.OperationID, res.Status, res.Raw)
					}
				}
			}
		})

		t.Run("administrator", func(t *testing.T) {
			// Deletions run last, the most specific first, so every route
			// finds its objects.
			ordered := slices.Clone(routes)
			slices.SortStableFunc(ordered, func(x, y httpapi.Route) int {
				dx, dy := x.Method == http.MethodDelete, y.Method == http.MethodDelete
				switch {
				case dx != dy && dx:
					return 1
				case dx != dy:
					return -1
				case dx:
					return strings.Count(y.Path, "/") - strings.Count(x.Path, "/")
				}
				return 0
			})
			for _, r := range ordered {
				refreshDraft(t, a, r, &w)
				res := callRoute(t, a, r, w.ids(), w.Token, bodyFor(t, r, w))
				if res.Status < 200 || res.Status > 299 {
					t.Errorf("administrator calling %s route %s: status %d, want 2xx; body %s", r.Access, r.OperationID, res.Status, res.Raw)
				}
			}
		})

		t.Run("user of no account", func(t *testing.T) {
			email := testkit.Unique("loner") + "@example.test"
			a.MustDo(t, http.StatusCreated, testkit.Req{Method: "POST", Path: "/platform/api/v1/users", Token: a.Config.PlatformToken,
				Body: map[string]any{"name": "Lone User", "email": email, "password": "lonely password"}})
			token := a.Login(t, email, "lonely password")
			v := buildWorld(t, a)
			for _, r := range routes {
				res := callRoute(t, a, r, v.ids(), token, bodyFor(t, r, v))
				if res.Status != http.StatusNotFound || problemType(res) != httpapi.ProblemType(http.StatusNotFound) {
					t.Errorf("non-member calling %s: status %d, want 404; body %s", r.OperationID, res.Status, res.Raw)
				}
			}
		})

		t.Run("no valid token", func(t *testing.T) {
			n := 0
			for _, r := range httpapi.RouteTable() {
				if r.Access != httpapi.Authenticated && r.Access != httpapi.Member && r.Access != httpapi.Admin {
					continue
				}
				n++
				for _, token := range []string{"", "not-a-jwt", w.Token[:len(w.Token)-4] + "AAAA", a.Config.PlatformToken} {
					res := callRoute(t, a, r, w.ids(), token, bodyFor(t, r, w))
					if res.Status != http.StatusUnauthorized || problemType(res) != httpapi.ProblemType(http.StatusUnauthorized) {
						t.Errorf("%s with token %q: status %d, want 401; body %s", r.OperationID, token, res.Status, res.Raw)
					}
				}
			}
			if n < 25 {
				t.Fatalf("only %d authenticated routes", n)
			}
		})
	})
}

// TestLastAdministratorUnderConcurrency demotes and removes two
// administrators of an account at the same time, many times over: the
// account must always keep one.
func TestLastAdministratorUnderConcurrency(t *testing.T) {
	t.Parallel()
	testkit.Each(t, func(t *testing.T, d testkit.Dialect) {
		t.Parallel()
		a := testkit.StartApp(t, d)
		for round := 0; round < 8; round++ {
			ten := a.Signup(t)
			adm := asUser(t, a, ten.AccountID, ten.Token)
			second := testkit.ID(adm.do(http.StatusCreated, "POST", "/agents", newAgentBody("administrator")).JSON["id"])
			reqs := []testkit.Req{
				{Method: "PATCH", Path: fmt.Sprintf("%s/agents/%d", adm.base, ten.AdminID), Token: ten.Token, Body: map[string]any{"role": "agent"}},
				{Method: "DELETE", Path: fmt.Sprintf("%s/agents/%d", adm.base, second), Token: ten.Token},
			}
			if round%2 == 1 {
				reqs[1] = testkit.Req{Method: "PATCH", Path: fmt.Sprintf("%s/agents/%d", adm.base, second), Token: ten.Token, Body: map[string]any{"role": "agent"}}
			}
			statuses := make(chan int, len(reqs))
			start := make(chan struct{})
			for _, r := range reqs {
				go func() {
					<-start
					statuses <- a.Do(t, r).Status
				}()
			}
			close(start)
			ok := 0
			for range reqs {
				switch s := <-statuses; s {
				case http.StatusOK, http.StatusNoContent:
					ok++
				case http.StatusConflict, http.StatusForbidden:
				default:
					t.Fatalf("round %d: status %d", round, s)
				}
			}
			var admins int
			err := a.Store().ReadTx(t.Context(), ten.AccountID, func(tx *store.Tx) error {
				ms, err := tx.MemberList(t.Context())
				for _, m := range ms {
					if m.Role == "administrator" {
						admins++
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if admins != 1 || ok != 1 {
				t.Fatalf("round %d: %d administrators left after %d successful demotions/removals, want 1 and 1", round, admins, ok)
			}
		}
	})
}

// refreshDraft gives the draft decisions (accept, reject) a pending draft
// of their own: a decision is final, so each call needs a new one. It asks
// for a re-classification, which drafts again.
func refreshDraft(t *testing.T, a *testkit.App, r httpapi.Route, w *world) {
	t.Helper()
	if r.OperationID != "accept-draft" && r.OperationID != "reject-draft" {
		return
	}
	conv := fmt.Sprintf("%s/conversations/%d", w.base(), w.ConversationID)
	a.MustDo(t, http.StatusAccepted, testkit.Req{Method: "POST", Path: conv + "/ai/classify", Token: w.Token})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res := a.MustDo(t, http.StatusOK, testkit.Req{Method: "GET", Path: conv + "/drafts", Token: w.Token})
		if data, _ := res.JSON["data"].([]any); len(data) > 0 {
			d := data[0].(map[string]any)
			if id := testkit.ID(d["id"]); id != w.DraftID && d["status"] == "pending" {
				w.DraftID = id
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new draft within 30s: %s", res.Raw)
		}
	}
}
