package main_test

// Harness of the browser tests (browser_test.go): it finds Debian's
// Chromium, starts `hummdesk serve` with the embedded web UI and the demo
// desk, serves a customer's web page with the widget snippet from a second
// origin, and drives tabs with chromedp through the data-testid contract —
// in the agent app's document and inside the widget's open shadow root.
//
// Everything waits on conditions with a deadline; nothing sleeps a fixed
// time. A tab fails the test when any JavaScript dialog opens in it (the XSS
// tripwire), and a failing test leaves a screenshot of each tab and the
// tab's console under test-output/screenshots/.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"hummdesk/internal/seed"
)

// chromiumPaths are Debian's Chromium: the real binary first (the /usr/bin
// one is a wrapper script that adds flags of its own).
var chromiumPaths = []string{"/usr/lib/chromium/chromium", "/usr/bin/chromium"}

// requireChromium returns Chromium's path, or skips the test (fails it when
// CI is set) when it is not installed.
func requireChromium(t *testing.T) string {
	t.Helper()
	for _, p := range chromiumPaths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	msg := fmt.Sprintf("Chromium not installed (looked for %s; Debian: apt-get install chromium)", strings.Join(chromiumPaths, ", "))
	if os.Getenv("CI") != "" {
		t.Fatalf("browser tests are required in CI: %s", msg)
	}
	t.Skip(msg)
	return ""
}

// uiServer is a running `hummdesk serve` whose embedded UI is built.
type uiServer struct {
	*server
	token     string // the demo administrator's access token
	accountID int64
}

// startUIServer starts hummdesk on SQLite in a temporary directory with the
// demo desk, unthrottled AI queues and request limits off, and fails when
// the binary was built without the web UI.
func startUIServer(t *testing.T) *uiServer {
	t.Helper()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := startServe(t, []string{
		"HUMMDESK_DATA_DIR=" + t.TempDir(),
		"HUMMDESK_DEMO=true",
		"HUMMDESK_PUBLIC_URL=http://" + addr,
		"HUMMDESK_QUEUE_RATES=ai_classification=off,ai_draft=off",
		"HUMMDESK_RATE_LIMITS=off",
		"HUMMDESK_AI_PROVIDER=local",
	}, "--addr", addr)
	resp, err := http.Get(s.url + "/")
	if err != nil {
		t.Fatalf("GET /: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable {
		t.Fatalf("the hummdesk binary was built without the web UI (GET / = 503): run make web (or make build) before the browser tests")
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "<script") {
		t.Fatalf("GET / = %d %s, want the app's index.html\n%.300s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	code, body := login(t, s.url)
	if code != http.StatusOK {
		t.Fatalf("demo login = %d %v", code, body)
	}
	u := &uiServer{server: s, token: body["access_token"].(string)}
	if accounts, _ := body["accounts"].([]any); len(accounts) > 0 {
		if a, _ := accounts[0].(map[string]any); a != nil {
			id, _ := a["id"].(float64)
			u.accountID = int64(id)
		}
	}
	if u.accountID == 0 {
		t.Fatalf("demo login has no account: %v", body)
	}
	return u
}

// api calls the agent API as the demo administrator and decodes the answer
// into out (when not nil), requiring the status want.
func (u *uiServer) api(t *testing.T, want int, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, fmt.Sprintf("%s/api/v1/accounts/%d%s", u.url, u.accountID, path), rd)
	req.Header.Set("Authorization", "Bearer "+u.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode: %v: %s", method, path, err, raw)
		}
	}
}

// customerSite serves a customer's web page with the widget snippet. It is
// reached as http://localhost:PORT, another site than the HummDesk server
// at 127.0.0.1, as a real embedding is.
func customerSite(t *testing.T, hummdeskURL string) string {
	t.Helper()
	html := `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Outdoor Gear</title></head>
<body>
<h1>Acme Outdoor Gear</h1>
<p>Tents, boots and everything for the trail. Questions? Chat with us.</p>
<script src="` + hummdeskURL + `/widget.js" data-inbox-token="demo-website-inbox" async></script>
</body></html>`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, html)
	}))
	t.Cleanup(ts.Close)
	return strings.Replace(ts.URL, "127.0.0.1", "localhost", 1) + "/"
}

// browser is one headless Chromium; each tab lives in its own browser
// context (separate cookies and storage), like two people's browsers.
type browser struct {
	t    *testing.T
	root context.Context
}

// startBrowser launches Chromium for the test; it lives at most timeout,
// and until the test's cleanup (after the tabs' failure screenshots).
func startBrowser(t *testing.T, timeout time.Duration) *browser {
	t.Helper()
	exe := requireChromium(t)
	ctx, cancelTimeout := context.WithTimeout(context.Background(), timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	)
	root, cancelRoot := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelRoot(); cancelAlloc(); cancelTimeout() })
	if err := chromedp.Do(root); err != nil { // starts the browser
		t.Fatalf("start Chromium (%s): %v", exe, err)
	}
	return &browser{t: t, root: root}
}

// tab is one page in its own browser context.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context

	mu      sync.Mutex
	console []string // console messages and exceptions, shown on failure
	dialogs []string // every JavaScript dialog that opened
}

// newTab opens a tab in a new browser context. It dismisses and records
// every JavaScript dialog (the test fails on any), and keeps the console.
func (b *browser) newTab(name string) *tab {
	t := b.t
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithNewBrowserContext())
	tb := &tab{t: t, name: name, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open tab %s: %v", name, err)
	}
	var wg sync.WaitGroup
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	consoleEvents := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, fmt.Sprintf("%s(%q) on %s", ev.Type, ev.Message, ev.URL))
			tb.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	wg.Go(func() {
		for ev, err := range consoleEvents {
			if err != nil {
				return
			}
			var parts []string
			for _, a := range ev.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			tb.log("console.%s %s", ev.Type, strings.Join(parts, " "))
		}
	})
	wg.Go(func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			tb.log("exception %s (%s:%d)", msg, d.URL, d.LineNumber)
		}
	})
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot("failed-" + name)
			tb.mu.Lock()
			if len(tb.console) > 0 {
				t.Logf("tab %s console:\n  %s", name, strings.Join(tb.console, "\n  "))
			}
			tb.mu.Unlock()
		}
		cancel()
		wg.Wait()
	})
	return tb
}

func (tb *tab) log(format string, args ...any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.console) < 200 {
		tb.console = append(tb.console, fmt.Sprintf(format, args...))
	}
}

// checkNoDialogs fails the test when a JavaScript dialog opened in the tab.
func (tb *tab) checkNoDialogs() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.dialogs) > 0 {
		tb.t.Errorf("tab %s: %d JavaScript dialog(s) opened — injected script ran: %s", tb.name, len(tb.dialogs), strings.Join(tb.dialogs, "; "))
	}
}

// do runs actions in the tab, failing the test with what was being done.
func (tb *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("tab %s: %s: %v", tb.name, what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](tb *tab, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// waitJS polls a JavaScript expression until it is truthy or the timeout
// ends, and returns how long that took. The expression is evaluated with
// Runtime.evaluate, which the page's CSP does not restrict.
func (tb *tab) waitJS(what string, timeout time.Duration, expr string) time.Duration {
	tb.t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	var last string
	for {
		ok, err := eval[bool](tb, "!!("+expr+")")
		if err == nil && ok {
			return time.Since(start)
		}
		if err != nil {
			last = err.Error()
		}
		if time.Now().After(deadline) || tb.ctx.Err() != nil {
			tb.t.Fatalf("tab %s: timed out after %v waiting for %s (last error: %s)", tb.name, timeout, what, last)
		}
		select {
		case <-tb.ctx.Done():
		case <-time.After(50 * time.Millisecond): // polling interval, not a wait for an outcome
		}
	}
}

// textOf returns the textContent of the first element a JavaScript
// expression gives ("" when there is none).
func (tb *tab) textOf(expr string) string {
	tb.t.Helper()
	s, err := eval[string](tb, "(() => { const el = "+expr+"; return el ? el.textContent : '' })()")
	if err != nil {
		tb.t.Fatalf("tab %s: read text of %s: %v", tb.name, expr, err)
	}
	return s
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// tid is the CSS selector of a data-testid.
func tid(id string) string { return fmt.Sprintf("[data-testid=%q]", id) }

// app is a JavaScript expression for the first element of a data-testid in
// the agent app's document; appSel is the same as a chromedp selector.
func app(id string) string             { return "document.querySelector(" + jsString(tid(id)) + ")" }
func appSel(id string) chromedp.JSPath { return chromedp.JSPath(app(id)) }

// widgetRoot is the widget's open shadow root on the customer's page.
const widgetRoot = `document.querySelector('#hummdesk-widget')?.shadowRoot`

// widget is a JavaScript expression for the first element of a data-testid
// inside the widget's shadow root; widgetSel is the same as a selector.
func widget(id string) string {
	return widgetRoot + "?.querySelector(" + jsString(tid(id)) + ")"
}
func widgetSel(id string) chromedp.JSPath { return chromedp.JSPath(widget(id)) }

// visible is a JavaScript expression that is true when the element of expr
// exists and is rendered (not hidden, not inside a hidden ancestor).
func visible(expr string) string {
	return "((el) => !!el && el.checkVisibility())(" + expr + ")"
}

// click clicks the element of a selector once it is visible.
func (tb *tab) click(what string, sel chromedp.JSPath) {
	tb.t.Helper()
	tb.do("click "+what, chromedp.WaitVisible(sel), chromedp.Click(sel))
}

// typeInto focuses the element of a selector and types text with key
// events, as a person does.
func (tb *tab) typeInto(what string, sel chromedp.JSPath, text string) {
	tb.t.Helper()
	tb.do("type into "+what, chromedp.WaitVisible(sel), chromedp.SendKeys(sel, text))
}

// screenshotDir is test-output/screenshots at the repository root.
func screenshotDir(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found from %s: %v", root, err)
	}
	dir := filepath.Join(root, "test-output", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves a full-page PNG of the tab under test-output/screenshots
// and logs its path. A failure to take it is logged, not fatal.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			tb.t.Logf("screenshot %s: %v", name, err)
		}
		return
	}
	p := filepath.Join(screenshotDir(tb.t), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return
	}
	tb.t.Logf("screenshot: %s", p)
}

// agentLogin signs the demo administrator in through the login page and
// waits for the conversation list.
func (tb *tab) agentLogin(base string, shot bool) {
	tb.t.Helper()
	tb.do("open the login page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(appSel("login-email")))
	if shot {
		tb.screenshot("01-login")
	}
	tb.typeInto("login-email", appSel("login-email"), seed.DemoEmail)
	tb.typeInto("login-password", appSel("login-password"), seed.DemoPassword)
	tb.click("login-submit", appSel("login-submit"))
	tb.waitJS("the conversation list after login", 15*time.Second, visible(app("conversation-list")))
}

// openWidget loads the customer's page, opens the widget and fills in the
// pre-chat form, and waits for the message input.
// With shot, it saves screenshots of the pre-chat form and the open chat.
func (tb *tab) openWidget(siteURL, name, email string, shot bool) {
	tb.t.Helper()
	tb.do("open the customer's page", chromedp.Navigate(siteURL))
	tb.waitJS("the widget's launcher in its shadow root", 15*time.Second, widget("launcher"))
	tb.click("launcher", widgetSel("launcher"))
	tb.waitJS("the widget panel to open", 10*time.Second, visible(widget("widget-panel")))
	if shot {
		tb.waitJS("the pre-chat form", 10*time.Second, visible(widget("prechat-name")))
		tb.screenshot("04-widget-prechat")
	}
	tb.typeInto("prechat-name", widgetSel("prechat-name"), name)
	tb.typeInto("prechat-email", widgetSel("prechat-email"), email)
	tb.click("prechat-submit", widgetSel("prechat-submit"))
	tb.waitJS("the widget's message input after the pre-chat form", 10*time.Second, visible(widget("widget-input")))
	if shot {
		tb.screenshot("05-widget-open")
	}
}

// rowContaining is a JavaScript expression for the conversation-row whose
// text contains s.
func rowContaining(s string) string {
	return `[...document.querySelectorAll('[data-testid="conversation-row"]')].find(r => r.textContent.includes(` + jsString(s) + `))`
}
