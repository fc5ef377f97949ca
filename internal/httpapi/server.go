// Package httpapi is HummDesk's HTTP edge: the routes table, one file of
// handlers per resource, middleware, and the mapping of domain errors to
// RFC 9457 problems. It is the only package that knows about HTTP statuses.
package httpapi

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hummdesk/internal/ai"
	"hummdesk/internal/auth"
	"hummdesk/internal/config"
	"hummdesk/internal/conversation"
	"hummdesk/internal/desk"
	"hummdesk/internal/kb"
	"hummdesk/internal/ratelimit"
	"hummdesk/internal/store"
)

// Version is reported in the OpenAPI document.
var Version = "dev"

// ReadyCheck is one dependency /ready asks.
type ReadyCheck struct {
	Name  string
	Check func(context.Context) error
}

// Deps is what the HTTP edge needs.
type Deps struct {
	Config        *config.Config
	Store         *store.Store
	Auth          *auth.Service
	Conversations *conversation.Service
	Limiter       ratelimit.Limiter
	Logger        *slog.Logger
	Registry      *prometheus.Registry
	ReadyChecks   []ReadyCheck
	// Realtime is the push layer; nil serves no /connection endpoints.
	Realtime Realtime
	// JobsDashboard, when set, is mounted at /admin/jobs (it guards itself).
	JobsDashboard http.Handler
	// KB is the knowledge base; nil answers its routes with 503.
	KB *kb.Service
	// Sealer encrypts the API keys accounts store; nil refuses keys.
	Sealer *ai.Sealer
	// WebUI serves the embedded front end (the app at /, /widget.js) for
	// every path outside the API; nil answers those with 404.
	WebUI http.Handler
}

// Realtime is the push layer as the HTTP edge sees it.
type Realtime interface {
	// Handlers are the transport endpoints by path (/connection/...).
	Handlers() map[string]http.Handler
	// DisconnectAgent closes a user's live connections on every node.
	DisconnectAgent(userID int64) error
}

// Server serves the API.
type Server struct {
	cfg     *config.Config
	store   *store.Store
	auth    *auth.Service
	signer  *auth.Signer
	convs   *conversation.Service
	limiter ratelimit.Limiter
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics *metrics
	ready   []ReadyCheck
	rt      Realtime
	kb      *kb.Service
	sealer  *ai.Sealer
	api     huma.API
	handler http.Handler
}

// New builds the server and its handler.
func New(d Deps) *Server {
	installProblemTypes()
	s := &Server{cfg: d.Config, store: d.Store, auth: d.Auth, signer: d.Auth.Signer(), convs: d.Conversations,
		limiter: d.Limiter, log: d.Logger, reg: d.Registry, ready: d.ReadyChecks, rt: d.Realtime, kb: d.KB, sealer: d.Sealer}
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
	}
	s.metrics = newMetrics(s.reg)

	mux := http.NewServeMux()
	hc := huma.DefaultConfig("HummDesk API", Version)
	hc.Info.Description = "AI-native multi-tenant help desk. Agent routes take `Authorization: Bearer <access_token>`; " +
		"widget routes take the inbox token in the path and `X-Contact-Token`; platform routes take the platform token."
	hc.OpenAPIPath = "/api/openapi"
	hc.DocsPath = ""
	hc.SchemasPath = "/api/schemas"
	// No "$schema" link in every response body: huma adds it by copying
	// each body into a generated struct per response, a cost every request
	// pays for a field no client needs (the schemas are in the OpenAPI
	// document).
	hc.CreateHooks = nil
	hc.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":   {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
		"contact":  {Type: "apiKey", In: "header", Name: "X-Contact-Token"},
		"platform": {Type: "http", Scheme: "bearer"},
	}
	s.api = humago.New(mux, hc)
	for _, r := range s.routes() {
		r.register(s.api, s.operation(r))
	}
	if s.rt != nil {
		for path, h := range s.rt.Handlers() {
			mux.Handle(path, h)
		}
	}
	if d.JobsDashboard != nil {
		mux.Handle("/admin/jobs", d.JobsDashboard)
		mux.Handle("/admin/jobs/", d.JobsDashboard)
	}
	mux.HandleFunc("GET /health", s.healthHandler)
	mux.HandleFunc("GET /ready", s.readyHandler)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{Registry: s.reg}))
	mux.HandleFunc("GET /api/docs", s.docsHandler)
	mux.HandleFunc("GET /api/docs.css", s.docsHandler)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if d.WebUI != nil && !isAPIPath(r.URL.Path) {
			d.WebUI.ServeHTTP(w, r)
			return
		}
		writeProblem(w, http.StatusNotFound, "no such route")
	})
	s.handler = s.observe(s.secure(guardInput(mux)))
	return s
}

// isAPIPath reports whether a path belongs to the API, whose unknown routes
// answer problem+json rather than the web app. /admin/jobs is the job
// dashboard; the rest of /admin is the web app's admin portal.
func isAPIPath(p string) bool {
	for _, prefix := range []string{"/api/", "/platform/", "/connection/", "/admin/jobs/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return p == "/api" || p == "/platform" || p == "/connection" || p == "/admin/jobs"
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// OpenAPI returns the generated OpenAPI document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// Access says who may call a route.
type Access int

// Access levels.
const (
	Public        Access = iota + 1 // anyone (login, signup, refresh)
	Authenticated                   // any logged-in user, not account-scoped (profile)
	Member                          // an agent or administrator of the account in the path
	Admin                           // an administrator of the account in the path
	Widget                          // the inbox token in the path (and, mostly, a contact token)
	Platform                        // the platform token
)

// String names the access level.
func (a Access) String() string {
	return [...]string{"", "public", "authenticated", "member", "admin", "widget", "platform"}[a]
}

// Route is one row of the routes table.
type Route struct {
	Method      string
	Path        string
	OperationID string
	Summary     string
	Tag         string
	Access      Access
	// Status is the success status (default 200).
	Status   int
	register func(huma.API, huma.Operation)
}

// RouteTable lists every API route with its access level; tests generate
// the role and isolation matrices from it.
func RouteTable() []Route {
	return (&Server{}).routes()
}

func reg[I, O any](f func(context.Context, *I) (*O, error)) func(huma.API, huma.Operation) {
	return func(api huma.API, op huma.Operation) { huma.Register(api, op, f) }
}

func (s *Server) operation(r Route) huma.Operation {
	op := huma.Operation{
		OperationID: r.OperationID, Method: r.Method, Path: r.Path, Summary: r.Summary, Tags: []string{r.Tag},
		DefaultStatus: r.Status, MaxBodyBytes: MaxBodyBytes,
	}
	switch r.Access {
	case Authenticated, Member, Admin:
		op.Security = []map[string][]string{{"bearer": {}}}
	case Widget:
		op.Security = []map[string][]string{{"contact": {}}, {}}
	case Platform:
		op.Security = []map[string][]string{{"platform": {}}}
	}
	access := r.Access
	route := r.Method + " " + r.Path
	op.Middlewares = huma.Middlewares{func(ctx huma.Context, next func(huma.Context)) {
		infoFrom(ctx.Context()).route = route
		s.guard(ctx, access, next)
	}}
	return op
}

// principal is the authenticated agent of an account-scoped request.
type principal struct {
	userID    int64
	issuedAt  time.Time
	accountID int64
	need      Access
}

type principalKey struct{}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}

// guard authenticates the caller for the route's access level, applies
// request rate limits and stores what it learned in the context.
func (s *Server) guard(ctx huma.Context, access Access, next func(huma.Context)) {
	ri := infoFrom(ctx.Context())
	fail := func(status int, msg string) { _ = huma.WriteErr(s.api, ctx, status, msg) }
	switch access {
	case Public:
		if !s.allow(ctx, "public:"+ri.clientIP, s.cfg.RateLimitAPI) {
			return
		}
		next(ctx)
	case Authenticated, Member, Admin:
		claims, ok := s.bearer(ctx)
		if !ok {
			fail(http.StatusUnauthorized, "missing or invalid access token")
			return
		}
		ri.userID.Store(claims.UserID)
		p := &principal{userID: claims.UserID, issuedAt: claims.IssuedAt, need: access}
		if access != Authenticated {
			id, err := strconv.ParseInt(ctx.Param("account_id"), 10, 64)
			if err != nil || id <= 0 {
				fail(http.StatusNotFound, "account not found")
				return
			}
			p.accountID = id
			ri.accountID.Store(id)
			if !s.allow(ctx, "api:"+strconv.FormatInt(id, 10)+":"+ri.clientIP, s.cfg.RateLimitAPI) {
				return
			}
		} else if !s.allow(ctx, "user:"+strconv.FormatInt(claims.UserID, 10)+":"+ri.clientIP, s.cfg.RateLimitAPI) {
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	case Widget:
		token := ctx.Param("inbox_token")
		if !s.allow(ctx, "widget:"+token+":"+ri.clientIP, s.cfg.RateLimitWidget) {
			return
		}
		next(ctx)
	case Platform:
		if s.cfg.PlatformToken == "" {
			fail(http.StatusNotFound, "the platform API is disabled")
			return
		}
		got, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.PlatformToken)) != 1 {
			fail(http.StatusUnauthorized, "missing or invalid platform token")
			return
		}
		next(ctx)
	}
}

func (s *Server) bearer(ctx huma.Context) (auth.AgentClaims, bool) {
	tok, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return auth.AgentClaims{}, false
	}
	claims, err := s.signer.VerifyAccess(tok)
	return claims, err == nil
}

// allow applies a request rate limit; it writes the 429 itself.
func (s *Server) allow(ctx huma.Context, key string, perMinute int) bool {
	if !s.cfg.RateLimits {
		return true
	}
	r, err := s.limiter.Hit(ctx.Context(), key, perMinute, time.Minute)
	if err != nil {
		// A broken limiter must not take the API down with it.
		s.log.WarnContext(ctx.Context(), "rate limiter unavailable", slog.Any("error", err))
		return true
	}
	if !r.Allowed {
		secs := retrySeconds(r.RetryAfter)
		ctx.SetHeader("Retry-After", strconv.Itoa(secs))
		_ = huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, "rate limit exceeded; retry after "+strconv.Itoa(secs)+"s")
		return false
	}
	return true
}

// member is the caller's membership, checked in the request's own
// transaction.
type member struct {
	UserID    int64
	AccountID int64
	// admin is true when the route required an administrator (and so the
	// check proved it); otherwise the role is looked up on demand.
	admin bool
}

// isAdmin reports whether the caller administers the account.
func (m member) isAdmin(ctx context.Context, tx *store.Tx) (bool, error) {
	if m.admin {
		return true, nil
	}
	me, err := tx.MemberGet(ctx, m.UserID)
	if err != nil {
		return false, err
	}
	return me.Role == desk.RoleAdministrator, nil
}

// tenant runs fn in a transaction bound to the account in the path, after
// checking, inside the same transaction, that the caller is a member (404
// otherwise, exactly like a missing account), that their tokens were not
// revoked by a password change (401) and that their role suffices (403).
func (s *Server) tenant(ctx context.Context, write bool, fn func(tx *store.Tx, m member) error) error {
	p := principalFrom(ctx)
	if p == nil || p.accountID == 0 {
		return s.toProblem(ctx, desk.NotFound("account"))
	}
	check := store.AuthCheck{UserID: p.userID, IssuedAtMicros: p.issuedAt.UnixMicro(), NeedAdmin: p.need == Admin}
	err := s.store.MemberTx(ctx, p.accountID, check, write, func(tx *store.Tx) error {
		return fn(tx, member{UserID: p.userID, AccountID: p.accountID, admin: p.need == Admin})
	})
	if err != nil {
		return s.toProblem(ctx, err)
	}
	return nil
}

// tenantRead is tenant for a handler whose work is one read statement: on
// PostgreSQL the membership check and the statement reach the database in
// one round trip (store.MemberRead).
func (s *Server) tenantRead(ctx context.Context, fn func(tx *store.Tx, m member) error) error {
	p := principalFrom(ctx)
	if p == nil || p.accountID == 0 {
		return s.toProblem(ctx, desk.NotFound("account"))
	}
	check := store.AuthCheck{UserID: p.userID, IssuedAtMicros: p.issuedAt.UnixMicro(), NeedAdmin: p.need == Admin}
	err := s.store.MemberRead(ctx, p.accountID, check, func(tx *store.Tx) error {
		return fn(tx, member{UserID: p.userID, AccountID: p.accountID, admin: p.need == Admin})
	})
	if err != nil {
		return s.toProblem(ctx, err)
	}
	return nil
}

// disconnectAfterCommit closes a user's live connections once tx commits,
// so they reconnect and every subscription is checked again.
func (s *Server) disconnectAfterCommit(tx *store.Tx, userID int64) {
	if s.rt == nil {
		return
	}
	tx.AfterCommit(func() {
		if err := s.rt.DisconnectAgent(userID); err != nil {
			s.log.Warn("disconnect agent", slog.Int64("user_id", userID), slog.Any("error", err))
		}
	})
}
