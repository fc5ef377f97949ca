package jobs

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"

	"riverqueue.com/riverui"
	"riverqueue.com/riverui/uiendpoints"
)

// DashboardPrefix is where the job dashboard is mounted.
const DashboardPrefix = "/admin/jobs"

// Dashboard returns River UI for this queue, mounted at DashboardPrefix and
// guarded by HTTP Basic authentication whose password is the platform token
// (any user name), so an operator's browser can open it. Start must run
// before it serves.
func (c *Client) Dashboard(log *slog.Logger, platformToken string) (http.Handler, func(context.Context) error, error) {
	var endpoints uiendpoints.Bundle
	if c.sqlite != nil {
		endpoints = riverui.NewEndpoints(c.sqlite, nil)
	} else {
		endpoints = riverui.NewEndpoints(c.pg, nil)
	}
	h, err := riverui.NewHandler(&riverui.HandlerOpts{Endpoints: endpoints, Logger: log, Prefix: DashboardPrefix})
	if err != nil {
		return nil, nil, err
	}
	guarded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pass, ok := r.BasicAuth()
		if platformToken == "" || !ok || subtle.ConstantTimeCompare([]byte(pass), []byte(platformToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="HummDesk jobs", charset="UTF-8"`)
			http.Error(w, "the job dashboard needs the platform token as the password", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
	return guarded, h.Start, nil
}
