package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"hummdesk/internal/auth"
	"hummdesk/internal/desk"
)

// ProblemTypeBase prefixes every problem type; the suffix is stable and
// names the kind of problem (see problemSlugs).
const ProblemTypeBase = "urn:hummdesk:problem:"

var problemSlugs = map[int]string{
	http.StatusBadRequest:            "bad-request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not-found",
	http.StatusMethodNotAllowed:      "method-not-allowed",
	http.StatusNotAcceptable:         "not-acceptable",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "payload-too-large",
	http.StatusUnsupportedMediaType:  "unsupported-media-type",
	http.StatusUnprocessableEntity:   "validation-error",
	http.StatusTooManyRequests:       "rate-limited",
	http.StatusInternalServerError:   "internal",
	http.StatusServiceUnavailable:    "unavailable",
}

// ProblemType returns the stable problem type URI for a status.
func ProblemType(status int) string {
	if s, ok := problemSlugs[status]; ok {
		return ProblemTypeBase + s
	}
	return ProblemTypeBase + "http-" + strconv.Itoa(status)
}

// Problem is an RFC 9457 problem document. It is huma's error model with
// a stable type.
type Problem = huma.ErrorModel

// newProblem builds the problem for a status; it replaces huma.NewError so
// huma's own errors (validation, 413, …) carry our types as well.
func newProblem(status int, msg string, errs ...error) huma.StatusError {
	p := &Problem{Type: ProblemType(status), Title: http.StatusText(status), Status: status, Detail: msg}
	for _, e := range errs {
		if e == nil {
			continue
		}
		var d huma.ErrorDetailer
		if errors.As(e, &d) {
			p.Errors = append(p.Errors, d.ErrorDetail())
		} else {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Message: e.Error()})
		}
	}
	return p
}

var installErrors sync.Once

func installProblemTypes() {
	installErrors.Do(func() { huma.NewError = newProblem })
}

// retrySeconds is a Retry-After value: whole seconds, rounded up, so a
// client that waits that long is not refused again.
func retrySeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

func tooMany(seconds int, msg string) error {
	if seconds < 1 {
		seconds = 1
	}
	return huma.ErrorWithHeaders(newProblem(http.StatusTooManyRequests, msg),
		http.Header{"Retry-After": []string{strconv.Itoa(seconds)}})
}

// toProblem maps a domain error to its problem; internal errors are logged
// here, once, and reported without detail.
func (s *Server) toProblem(ctx context.Context, err error) error {
	var se huma.StatusError
	if errors.As(err, &se) {
		return err
	}
	var rl *auth.RateLimitError
	if errors.As(err, &rl) {
		return tooMany(retrySeconds(rl.RetryAfter), rl.Error())
	}
	var de *desk.Error
	if errors.As(err, &de) {
		var status int
		switch de.Kind {
		case desk.KindNotFound:
			status = http.StatusNotFound
		case desk.KindInvalid:
			status = http.StatusUnprocessableEntity
		case desk.KindConflict:
			status = http.StatusConflict
		case desk.KindUnauthorized:
			status = http.StatusUnauthorized
		case desk.KindForbidden:
			status = http.StatusForbidden
		case desk.KindRateLimited:
			status = http.StatusTooManyRequests
		}
		if status != 0 {
			if de.Field != "" {
				loc := de.Field
				if !strings.Contains(loc, ".") {
					loc = "body." + loc
				}
				return newProblem(status, de.Message, &huma.ErrorDetail{Message: de.Message, Location: loc})
			}
			return newProblem(status, de.Message)
		}
	}
	if errors.Is(err, context.Canceled) {
		return newProblem(499, "request canceled")
	}
	s.log.ErrorContext(ctx, "request failed", slog.Any("error", err))
	return newProblem(http.StatusInternalServerError, "internal error; the request id identifies it in the logs")
}

// writeProblem writes a problem outside huma (middleware, plain handlers).
func writeProblem(w http.ResponseWriter, status int, detail string) {
	p := newProblem(status, detail).(*Problem)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = jsonEncode(w, p)
}
