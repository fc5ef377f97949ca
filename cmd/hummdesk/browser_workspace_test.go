package main_test

// A browser test of the agent workspace's everyday actions and the admin
// portal (harness in browser_harness_test.go): availability, correcting an
// AI chip, assignment, snooze/reopen/resolve, private notes, the shortcut
// overlay, the category filter with its tab counts, the account switcher
// and the inbox's embed snippet. Each action is done through the UI and its
// effect checked through the API (as the demo administrator, or as the
// widget's contact) and on screen.
//
// Native <select>s are driven the way a person's choice reaches the page:
// the option is selected and input/change events fire (a headless browser
// draws no drop-down to click).

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"hummdesk/internal/auth"
	"hummdesk/internal/seed"
)

// wsPlatformToken is the platform API's bearer token of the test's server.
const wsPlatformToken = "browser-workspace-platform-token"

// TestBrowserWorkspaceActions drives the agent workspace and the admin
// portal through the UI and checks every effect through the API.
func TestBrowserWorkspaceActions(t *testing.T) {
	requireChromium(t)
	start := time.Now()
	u, userID := startWorkspaceServer(t)
	demoID := u.accountID
	waitDemoClassified(t, u)

	// A visitor's conversation started through the widget API, so the test
	// holds its contact token (to read what the visitor can see).
	suffix := strings.ToLower(auth.RandomToken(4))
	visitorName := "Ville Widget " + suffix
	var sess struct {
		ContactToken string `json:"contact_token"`
	}
	widgetCall(t, u.url, seed.DemoInboxToken, "", http.StatusCreated, http.MethodPost, "/contacts",
		map[string]any{"name": visitorName, "email": "ville." + suffix + "@example.com"}, &sess)
	var wconv struct {
		ID int64 `json:"id"`
	}
	widgetCall(t, u.url, seed.DemoInboxToken, sess.ContactToken, http.StatusCreated, http.MethodPost, "/conversations",
		map[string]any{"content": "Hi, my invoice " + suffix + " shows a charge I do not recognise. Can you explain it?"}, &wconv)
	waitClassified(t, u, wconv.ID)

	b := startBrowser(t, 150*time.Second)
	agent := b.newTab("agent-workspace")
	defer agent.checkNoDialogs()
	agent.agentLogin(u.url, false)
	agent.click("tab-all", appSel("tab-all"))

	// 1. Availability: busy through the top bar's select.
	agent.selectValue("availability-select", app("availability-select"), "busy")
	waitFor(t, "the administrator busy in GET /agents", 10*time.Second, func() (bool, string) {
		a := findAgent(listAgents(t, u), userID)
		return a != nil && a.Availability == "busy", fmt.Sprintf("%+v", a)
	})
	agent.waitJS("availability-select showing busy", 5*time.Second, app("availability-select")+`?.value === 'busy'`)
	agent.screenshot("10-workspace-availability-busy")

	// 6. Shortcuts: "?" outside any field opens the help, Escape closes it.
	if _, err := eval[bool](agent, `(document.activeElement?.blur(), true)`); err != nil {
		t.Fatalf("blur the focused element: %v", err)
	}
	agent.do("press ?", chromedp.KeyEvent("?"))
	agent.waitJS("shortcut-help after ?", 5*time.Second, visible(app("shortcut-help")))
	agent.screenshot("11-shortcut-help")
	agent.do("press Escape", chromedp.KeyEvent(kb.Escape))
	agent.waitJS("shortcut-help gone after Escape", 5*time.Second, `!`+app("shortcut-help"))

	// 7. The category filter: the rows are the API's list for the same
	// filter, and the tab counts are the API's counts.
	category := pickCategory(t, u)
	agent.selectValue("filter-category", app("filter-category"), category)
	q := url.Values{"status": {"open"}, "category": {category}}
	want := conversationIDs(t, u, q)
	var counts struct{ Mine, Unassigned, All int }
	u.api(t, http.StatusOK, http.MethodGet, "/conversations/counts?"+q.Encode(), nil, &counts)
	if counts.All != len(want) {
		t.Errorf("counts(%s).all = %d, but the list has %d conversations", q.Encode(), counts.All, len(want))
	}
	agent.waitJS(fmt.Sprintf("the rows to be exactly the %s conversations %v", category, want), 10*time.Second,
		rowIDsExpr+` === `+jsString(idsKey(want)))
	for tabID, n := range map[string]int{"tab-all": counts.All, "tab-mine": counts.Mine, "tab-unassigned": counts.Unassigned} {
		agent.waitJS(fmt.Sprintf("%s's tab-count = %d (the API's count)", tabID, n), 10*time.Second,
			app(tabID)+`?.querySelector('[data-testid="tab-count"]')?.textContent.trim() === `+jsString(strconv.Itoa(n)))
	}
	if n, _ := eval[int](agent, `document.querySelectorAll('[data-testid="row-category"]').length`); n > 0 {
		if bad, _ := eval[int](agent, `[...document.querySelectorAll('[data-testid="row-category"]')].filter(b => b.textContent.trim().toLowerCase() !== `+jsString(category)+`).length`); bad > 0 {
			t.Errorf("%d row(s) show another category than %s while filtered by it", bad, category)
		}
	}
	agent.screenshot("12-list-filtered-by-category")
	agent.selectValue("filter-category (any)", app("filter-category"), "")
	agent.waitJS("the rows of every open conversation again", 10*time.Second,
		rowIDsExpr+` === `+jsString(idsKey(conversationIDs(t, u, url.Values{"status": {"open"}}))))

	// 2. Correct an AI chip: the category of Lukas Schneider's demo
	// conversation, through its chip's select. The correction is stored
	// against the classification, the chip shows it, and the conversation's
	// category label moves.
	demo := demoConversation(t, u, "Lukas Schneider")
	before := classification(t, u, demo)
	if before.Category == nil {
		t.Fatalf("demo conversation %d has no category", demo)
	}
	corrected := "sales"
	if *before.Category == corrected {
		corrected = "general"
	}
	agent.waitJS("the demo conversation's row", 10*time.Second, rowByID(demo))
	agent.click("the demo conversation's row", chromedp.JSPath(rowByID(demo)))
	agent.waitJS("the category chip", 10*time.Second, app("chip-category")+`?.dataset.value === `+jsString(*before.Category))
	agent.click("chip-category", appSel("chip-category"))
	agent.waitJS("chip-correct-select", 5*time.Second, app("chip-correct-select"))
	agent.selectValue("chip-correct-select", app("chip-correct-select"), corrected)
	waitFor(t, "the category correction stored", 10*time.Second, func() (bool, string) {
		c := classification(t, u, demo)
		for _, x := range c.Corrections {
			if x.Field == "category" && x.NewValue == corrected {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%+v", c.Corrections)
	})
	agent.waitJS("the chip showing the corrected category", 10*time.Second,
		app("chip-category")+`?.dataset.value === `+jsString(corrected))
	var conv apiConversation
	u.api(t, http.StatusOK, http.MethodGet, fmt.Sprintf("/conversations/%d", demo), nil, &conv)
	if !slices.Contains(conv.Labels, corrected) {
		t.Errorf("conversation %d labels = %v after correcting the category to %s", demo, conv.Labels, corrected)
	}
	// The list row follows the correction (the thread updates the list at
	// once, and a conversation.updated push tells every other list).
	if !agent.pollJS(10*time.Second, rowByID(demo)+`?.querySelector('[data-testid="row-category"]')?.textContent.trim().toLowerCase() === `+jsString(corrected)) {
		t.Errorf("the list row of conversation %d still shows category %q after the chip was corrected to %q (API labels %v)",
			demo, agent.textOf(rowByID(demo)+`?.querySelector('[data-testid="row-category"]')`), corrected, conv.Labels)
	}
	agent.screenshot("13-ai-chip-corrected")

	// 3. Assignment: every agent's option shows availability and load; pick Aino.
	agents := listAgents(t, u)
	for _, a := range agents {
		load := fmt.Sprintf("%d/", a.OpenConversations)
		agent.waitJS(fmt.Sprintf("the option of %s with %s and load %s…", a.Name, a.Availability, load), 10*time.Second,
			`[...(`+app("assign-agent-select")+`?.options ?? [])].some(o => o.value === `+jsString(strconv.FormatInt(a.ID, 10))+
				` && o.textContent.includes(`+jsString(a.Name)+`) && o.textContent.includes(`+jsString(a.Availability)+`) && o.textContent.includes(`+jsString(load)+`))`)
	}
	aino := agentByEmail(agents, "aino@hummdesk.local")
	agent.selectValue("assign-agent-select", app("assign-agent-select"), strconv.FormatInt(aino.ID, 10))
	waitFor(t, "the conversation assigned to Aino in the API", 10*time.Second, func() (bool, string) {
		u.api(t, http.StatusOK, http.MethodGet, fmt.Sprintf("/conversations/%d", demo), nil, &conv)
		return conv.AssigneeID != nil && *conv.AssigneeID == aino.ID, fmt.Sprintf("assignee_id %v", conv.AssigneeID)
	})
	agent.waitJS("assign-agent-select showing Aino", 5*time.Second,
		app("assign-agent-select")+`?.value === `+jsString(strconv.FormatInt(aino.ID, 10)))
	agent.screenshot("14-assigned-to-agent")

	// 4. Status: snooze for an hour, reopen, resolve.
	agent.click("action-snooze", appSel("action-snooze"))
	agent.click("snooze-1h", appSel("snooze-1h"))
	waitFor(t, "the conversation snoozed in the API", 10*time.Second, func() (bool, string) {
		u.api(t, http.StatusOK, http.MethodGet, fmt.Sprintf("/conversations/%d", demo), nil, &conv)
		return conv.Status == "snoozed", conv.Status
	})
	if conv.SnoozedUntil == nil || !conv.SnoozedUntil.After(time.Now().Add(50*time.Minute)) {
		t.Errorf("snoozed_until = %v after \"for 1 hour\", want about an hour from now", conv.SnoozedUntil)
	}
	agent.waitJS("conversation-status snoozed", 5*time.Second, app("conversation-status")+`?.textContent.toLowerCase().includes('snoozed')`)
	agent.screenshot("15-snoozed")
	agent.click("action-reopen", appSel("action-reopen"))
	agent.waitJS("conversation-status open", 10*time.Second, app("conversation-status")+`?.textContent.trim().toLowerCase() === 'open'`)
	u.api(t, http.StatusOK, http.MethodGet, fmt.Sprintf("/conversations/%d", demo), nil, &conv)
	if conv.Status != "open" || conv.SnoozedUntil != nil {
		t.Errorf("after action-reopen: status %q snoozed_until %v, want open and none", conv.Status, conv.SnoozedUntil)
	}
	agent.click("action-resolve", appSel("action-resolve"))
	agent.waitJS("conversation-status resolved", 10*time.Second, app("conversation-status")+`?.textContent.toLowerCase().includes('resolved')`)
	u.api(t, http.StatusOK, http.MethodGet, fmt.Sprintf("/conversations/%d", demo), nil, &conv)
	if conv.Status != "resolved" {
		t.Errorf("after action-resolve: status %q, want resolved", conv.Status)
	}
	agent.screenshot("16-resolved")

	// 5. A private note in the visitor's conversation: private in the API,
	// marked in the thread, absent from what the visitor can read.
	agent.waitJS("the visitor's row", 10*time.Second, rowByID(wconv.ID))
	agent.click("the visitor's row", chromedp.JSPath(rowByID(wconv.ID)))
	agent.waitJS("the visitor's message in the thread", 10*time.Second,
		`document.querySelector('[data-testid="message"][data-sender-type="contact"]')?.textContent.includes(`+jsString("invoice "+suffix)+`)`)
	agent.click("composer-private-toggle", appSel("composer-private-toggle"))
	agent.waitJS("the private toggle pressed", 5*time.Second, app("composer-private-toggle")+`?.getAttribute('aria-pressed') === 'true'`)
	note := "Internal: check the Stripe log for " + suffix + " before replying."
	agent.typeInto("composer-input", appSel("composer-input"), note)
	agent.click("composer-send", appSel("composer-send"))
	agent.waitJS("the note in the thread marked private", 10*time.Second,
		`[...document.querySelectorAll('[data-testid="message"][data-private="true"]')].some(m => m.textContent.includes(`+jsString(note)+`) && !m.classList.contains('msg--pending'))`)
	var msgs struct {
		Data []struct {
			Content    string `json:"content"`
			Private    bool   `json:"private"`
			SenderType string `json:"sender_type"`
		} `json:"data"`
	}
	u.api(t, http.StatusOK, http.MethodGet, fmt.Sprintf("/conversations/%d/messages?limit=100", wconv.ID), nil, &msgs)
	found := false
	for _, m := range msgs.Data {
		if m.Content == note {
			found = true
			if !m.Private || m.SenderType != "agent" {
				t.Errorf("the note in the API: private %v sender %s, want private agent message", m.Private, m.SenderType)
			}
		}
	}
	if !found {
		t.Errorf("the note is not in GET .../messages: %+v", msgs.Data)
	}
	var wmsgs struct {
		Data []struct {
			Content string `json:"content"`
		} `json:"data"`
	}
	widgetCall(t, u.url, seed.DemoInboxToken, sess.ContactToken, http.StatusOK, http.MethodGet,
		fmt.Sprintf("/conversations/%d/messages?limit=100", wconv.ID), nil, &wmsgs)
	sawOwn := false
	for _, m := range wmsgs.Data {
		if strings.Contains(m.Content, suffix) && strings.Contains(m.Content, "Stripe") {
			t.Errorf("the private note is visible to the contact in the widget API: %q", m.Content)
		}
		sawOwn = sawOwn || strings.Contains(m.Content, "invoice "+suffix)
	}
	if !sawOwn {
		t.Errorf("the widget API does not show the contact's own message: %+v", wmsgs.Data)
	}
	agent.screenshot("17-private-note")

	// 8. A second account for the demo administrator (platform API), with
	// one conversation of its own; after a reload the switcher offers it.
	var acct struct {
		ID int64 `json:"id"`
	}
	platformCall(t, u.url, http.StatusCreated, http.MethodPost, "/accounts", map[string]any{"name": "Second Desk " + suffix}, &acct)
	platformCall(t, u.url, http.StatusCreated, http.MethodPost, fmt.Sprintf("/accounts/%d/account_users", acct.ID),
		map[string]any{"user_id": userID, "role": "administrator"}, nil)
	u2 := &uiServer{server: u.server, token: u.token, accountID: acct.ID}
	var inbox struct {
		InboxToken string `json:"inbox_token"`
	}
	u2.api(t, http.StatusCreated, http.MethodPost, "/inboxes", map[string]any{"name": "Second site", "channel_type": "web_widget"}, &inbox)
	var sess2 struct {
		ContactToken string `json:"contact_token"`
	}
	widgetCall(t, u.url, inbox.InboxToken, "", http.StatusCreated, http.MethodPost, "/contacts",
		map[string]any{"name": "Second Customer " + suffix, "email": "second." + suffix + "@example.com"}, &sess2)
	var conv2 struct {
		ID int64 `json:"id"`
	}
	widgetCall(t, u.url, inbox.InboxToken, sess2.ContactToken, http.StatusCreated, http.MethodPost, "/conversations",
		map[string]any{"content": "Hello from the second desk " + suffix}, &conv2)

	agent.do("reload the app", chromedp.Reload())
	agent.waitJS("the conversation list after the reload", 15*time.Second, visible(app("conversation-list")))
	id2 := strconv.FormatInt(acct.ID, 10)
	agent.waitJS("the second account in account-switcher", 10*time.Second,
		`((s) => !!s && !s.disabled && [...s.options].some(o => o.value === `+jsString(id2)+`))(`+app("account-switcher")+`)`)
	agent.selectValue("account-switcher", app("account-switcher"), id2)
	agent.waitJS("the second account selected", 10*time.Second,
		`location.pathname === '/conversations' && localStorage.getItem('hummdesk.account') === `+jsString(id2)+
			` && `+app("account-switcher")+`?.value === `+jsString(id2))
	agent.click("tab-all (second account)", appSel("tab-all"))
	want2 := conversationIDs(t, u2, url.Values{"status": {"open"}})
	if !slices.Contains(want2, conv2.ID) {
		t.Fatalf("the second account's open conversations %v lack the one just created (%d)", want2, conv2.ID)
	}
	agent.waitJS(fmt.Sprintf("the second account's rows %v", want2), 15*time.Second, rowIDsExpr+` === `+jsString(idsKey(want2)))
	var counts2 struct{ All int }
	u2.api(t, http.StatusOK, http.MethodGet, "/conversations/counts?status=open", nil, &counts2)
	agent.waitJS(fmt.Sprintf("tab-all's count = %d in the second account", counts2.All), 10*time.Second,
		app("tab-all")+`?.querySelector('[data-testid="tab-count"]')?.textContent.trim() === `+jsString(strconv.Itoa(counts2.All)))
	agent.screenshot("18-second-account")
	agent.selectValue("account-switcher (back)", app("account-switcher"), strconv.FormatInt(demoID, 10))
	agent.waitJS("the demo account selected again", 10*time.Second,
		`localStorage.getItem('hummdesk.account') === `+jsString(strconv.FormatInt(demoID, 10)))
	agent.waitJS("the demo account's rows again", 15*time.Second,
		rowIDsExpr+` === `+jsString(idsKey(conversationIDs(t, u, url.Values{"status": {"open"}}))))

	// 9. Admin → Inboxes shows the embed snippet.
	agent.click("nav-admin", appSel("nav-admin"))
	agent.click("admin-inboxes", appSel("admin-inboxes"))
	agent.waitJS("inbox-snippet with the loader and the inbox token", 10*time.Second,
		`((s) => !!s && s.includes('/widget.js') && s.includes('data-inbox-token'))(`+app("inbox-snippet")+`?.textContent)`)
	if snippet := agent.textOf(app("inbox-snippet")); !strings.Contains(snippet, seed.DemoInboxToken) || !strings.Contains(snippet, u.url) {
		t.Errorf("inbox-snippet %q does not name the demo inbox's token %q and the public URL %s", snippet, seed.DemoInboxToken, u.url)
	}
	agent.do("scroll to inbox-snippet", chromedp.ScrollIntoView(appSel("inbox-snippet")))
	agent.screenshot("19-admin-inbox-snippet")
	t.Logf("workspace actions checked in %v", time.Since(start).Round(time.Millisecond))
}

// startWorkspaceServer is startUIServer with the platform API on; it also
// returns the demo administrator's user id.
func startWorkspaceServer(t *testing.T) (*uiServer, int64) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	s := startServe(t, []string{
		"HUMMDESK_DATA_DIR=" + t.TempDir(),
		"HUMMDESK_DEMO=true",
		"HUMMDESK_PUBLIC_URL=http://" + addr,
		"HUMMDESK_QUEUE_RATES=ai_classification=off,ai_draft=off",
		"HUMMDESK_RATE_LIMITS=off",
		"HUMMDESK_AI_PROVIDER=local",
		"HUMMDESK_PLATFORM_TOKEN=" + wsPlatformToken,
	}, "--addr", addr)
	resp, err := http.Get(s.url + "/")
	if err != nil {
		t.Fatalf("GET /: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d, want the app (build the web UI first: make web)", resp.StatusCode)
	}
	code, body := login(t, s.url)
	if code != http.StatusOK {
		t.Fatalf("demo login = %d %v", code, body)
	}
	raw, _ := json.Marshal(body)
	var sb struct {
		AccessToken string `json:"access_token"`
		User        struct {
			ID int64 `json:"id"`
		} `json:"user"`
		Accounts []struct {
			ID int64 `json:"id"`
		} `json:"accounts"`
	}
	if err := json.Unmarshal(raw, &sb); err != nil || sb.AccessToken == "" || sb.User.ID == 0 || len(sb.Accounts) == 0 {
		t.Fatalf("demo login answer: %v %s", err, raw)
	}
	return &uiServer{server: s, token: sb.AccessToken, accountID: sb.Accounts[0].ID}, sb.User.ID
}

// selectValue chooses value in a <select> once it is shown, enabled and
// has that option, as a person's choice does (input and change events).
func (tb *tab) selectValue(what, expr, value string) {
	tb.t.Helper()
	tb.waitJS("choose "+jsString(value)+" in "+what, 10*time.Second, `((el, v) => {
		if (!el || el.disabled || !el.checkVisibility() || ![...el.options].some(o => o.value === v && !o.disabled)) return false
		el.value = v
		el.dispatchEvent(new Event('input', { bubbles: true }))
		el.dispatchEvent(new Event('change', { bubbles: true }))
		return true
	})(`+expr+`, `+jsString(value)+`)`)
}

// pollJS reports whether a JavaScript expression becomes truthy within
// timeout, without failing the test.
func (tb *tab) pollJS(timeout time.Duration, expr string) bool {
	for deadline := time.Now().Add(timeout); ; {
		if ok, err := eval[bool](tb, "!!("+expr+")"); err == nil && ok {
			return true
		}
		if time.Now().After(deadline) || tb.ctx.Err() != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond) // polling interval, not a wait for an outcome
	}
}

// rowIDsExpr is the conversation ids of the rows shown, sorted and joined.
const rowIDsExpr = `[...document.querySelectorAll('[data-testid="conversation-row"]')].map(r => Number(r.getAttribute('data-conversation-id'))).sort((a, b) => a - b).join(',')`

func idsKey(ids []int64) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func rowByID(id int64) string {
	return fmt.Sprintf(`document.querySelector('[data-testid="conversation-row"][data-conversation-id="%d"]')`, id)
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (last: %s)", timeout, what, last)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, not a wait for an outcome
	}
}

type apiAgent struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	Email             string `json:"email"`
	Availability      string `json:"availability"`
	MaxConcurrent     int    `json:"max_concurrent"`
	OpenConversations int    `json:"open_conversations"`
}

func listAgents(t *testing.T, u *uiServer) []apiAgent {
	t.Helper()
	var res struct {
		Data []apiAgent `json:"data"`
	}
	u.api(t, http.StatusOK, http.MethodGet, "/agents", nil, &res)
	return res.Data
}

func findAgent(list []apiAgent, id int64) *apiAgent {
	for i := range list {
		if list[i].ID == id {
			return &list[i]
		}
	}
	return nil
}

func agentByEmail(list []apiAgent, email string) apiAgent {
	for _, a := range list {
		if a.Email == email {
			return a
		}
	}
	panic("no agent " + email)
}

type apiConversation struct {
	ID           int64      `json:"id"`
	Status       string     `json:"status"`
	AssigneeID   *int64     `json:"assignee_id"`
	SnoozedUntil *time.Time `json:"snoozed_until"`
	Labels       []string   `json:"labels"`
	Contact      struct {
		Name string `json:"name"`
	} `json:"contact"`
}

// conversationIDs lists the ids of every conversation matching q (one page
// of 100 is all the test's desks hold).
func conversationIDs(t *testing.T, u *uiServer, q url.Values) []int64 {
	t.Helper()
	q = url.Values(maps.Clone(q))
	q.Set("limit", "100")
	var res struct {
		Data       []apiConversation `json:"data"`
		NextCursor *string           `json:"next_cursor"`
	}
	u.api(t, http.StatusOK, http.MethodGet, "/conversations?"+q.Encode(), nil, &res)
	if res.NextCursor != nil {
		t.Fatalf("more than 100 conversations for %s", q.Encode())
	}
	ids := make([]int64, len(res.Data))
	for i, c := range res.Data {
		ids[i] = c.ID
	}
	return ids
}

// demoConversation is the id of the open demo conversation of a contact.
func demoConversation(t *testing.T, u *uiServer, contact string) int64 {
	t.Helper()
	var res struct {
		Data []apiConversation `json:"data"`
	}
	u.api(t, http.StatusOK, http.MethodGet, "/conversations?status=open&q="+url.QueryEscape(contact), nil, &res)
	if len(res.Data) != 1 {
		t.Fatalf("want one open demo conversation of %s, got %+v", contact, res.Data)
	}
	return res.Data[0].ID
}

// pickCategory is a category some but not all open conversations carry.
func pickCategory(t *testing.T, u *uiServer) string {
	t.Helper()
	total := len(conversationIDs(t, u, url.Values{"status": {"open"}}))
	fallback := ""
	for _, c := range []string{"billing", "technical", "sales", "general"} {
		n := len(conversationIDs(t, u, url.Values{"status": {"open"}, "category": {c}}))
		if n > 0 && n < total {
			return c
		}
		if n > 0 && fallback == "" {
			fallback = c
		}
	}
	if fallback == "" {
		t.Fatalf("no open conversation has an AI category")
	}
	t.Logf("note: every open conversation is %s; the filter check cannot show rows going away", fallback)
	return fallback
}

type apiClassification struct {
	Category    *string `json:"category"`
	Corrections []struct {
		Field    string `json:"field"`
		NewValue string `json:"new_value"`
	} `json:"corrections"`
}

func classification(t *testing.T, u *uiServer, id int64) apiClassification {
	t.Helper()
	var c apiClassification
	u.api(t, http.StatusOK, http.MethodGet, fmt.Sprintf("/conversations/%d/classification", id), nil, &c)
	return c
}

// hasClassification reports whether the conversation has a classification with a
// category.
func hasClassification(t *testing.T, u *uiServer, id int64) bool {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/classification", u.url, u.accountID, id), nil)
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET classification: %v", err)
	}
	defer resp.Body.Close()
	var c apiClassification
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&c) == nil && c.Category != nil
}

func waitClassified(t *testing.T, u *uiServer, id int64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("conversation %d classified", id), 30*time.Second, func() (bool, string) {
		return hasClassification(t, u, id), "unclassified"
	})
}

// waitDemoClassified waits until every demo conversation is classified.
func waitDemoClassified(t *testing.T, u *uiServer) {
	t.Helper()
	for _, id := range conversationIDs(t, u, url.Values{"status": {"all"}}) {
		waitFor(t, fmt.Sprintf("demo conversation %d classified", id), 60*time.Second, func() (bool, string) {
			return hasClassification(t, u, id), "unclassified"
		})
	}
}

// widgetCall calls the widget API of an inbox (with the contact's token
// when not empty), requiring the status want.
func widgetCall(t *testing.T, base, inboxToken, contactToken string, want int, method, path string, body, out any) {
	t.Helper()
	h := http.Header{}
	if contactToken != "" {
		h.Set("X-Contact-Token", contactToken)
	}
	callJSON(t, want, method, base+"/api/v1/widget/"+inboxToken+path, h, body, out)
}

// platformCall calls the platform API with the test's platform token.
func platformCall(t *testing.T, base string, want int, method, path string, body, out any) {
	t.Helper()
	h := http.Header{}
	h.Set("Authorization", "Bearer "+wsPlatformToken)
	callJSON(t, want, method, base+"/platform/api/v1"+path, h, body, out)
}

func callJSON(t *testing.T, want int, method, u string, h http.Header, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, u, rd)
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, u, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode: %v: %s", method, u, err, raw)
		}
	}
}
