package main_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"hummdesk/internal/ai/aitest"
	"hummdesk/internal/seed"
	"hummdesk/internal/testkit"
)

// TestFaultKillWorkerMidJob kills `hummdesk worker` with kill -9 while it
// waits for the AI's answer to a classification, starts another worker, and
// requires the job to be done exactly once: River's rescuer finds the job
// left `running` by the dead process once it is older than
// HUMMDESK_JOB_RESCUE_AFTER and schedules its second attempt, which the new
// worker runs; the classification, the assignment and their events exist
// once, and the message once.
//
// The killed attempt here never got its answer, so it wrote nothing. Had it
// died just after committing (before River marked the job completed), the
// rescued attempt would not double anything either: the classification row
// is unique per (message, provider, prompt version, run)
// (ai_classifications_message_idx), and triage.Apply stores it first, in
// the same transaction as the assignment and the events, and changes
// nothing when it finds the row already there (the replay check after
// ClassificationInsert).
func TestFaultKillWorkerMidJob(t *testing.T) {
	testkit.RequirePostgres(t)
	start := time.Now()
	dbURL := testkit.NewDatabaseURL(t, testkit.Postgres)
	fake := aitest.NewAnthropic(t)
	env := []string{
		"DATABASE_URL=" + dbURL,
		"ANTHROPIC_API_KEY=" + aitest.AnthropicKey,
		"HUMMDESK_ANTHROPIC_BASE_URL=" + fake.URL(),
		"HUMMDESK_AI_TIMEOUT=2s",
		// River checks for stuck jobs when a worker becomes the leader and
		// every 30s after; the new worker becomes the leader once the dead
		// one's term expires, which takes longer than this.
		"HUMMDESK_JOB_RESCUE_AFTER=4s",
		"HUMMDESK_RATE_LIMITS=off",
	}
	node := startServe(t, append(env, "HUMMDESK_DEMO=true"), "--workers=false")
	db := openDB(t, testkit.Postgres, dbURL)

	var billing, agent int64
	if err := db.QueryRow(`SELECT t.id, min(m.user_id) FROM teams t JOIN team_members m ON m.team_id = t.id
		WHERE t.name = 'Billing' GROUP BY t.id`).Scan(&billing, &agent); err != nil {
		t.Fatal(err)
	}
	verdict, _ := json.Marshal(map[string]any{"category": "billing", "priority": "high", "sentiment": "frustrated",
		"language": "en", "confidence": 0.95, "reasoning": "The customer was charged twice for one invoice.",
		"suggested_team_id": billing, "suggested_agent_id": agent})

	// The demo desk's own messages are classified (and drafted) at start.
	// They get valid answers (failures would open the provider's circuit
	// breaker) and must be done before the script below is set, or one of
	// them would take the gate meant for this test's message.
	fake.SetDefault(aitest.Step{Text: string(verdict)})
	worker := startWorkerProc(t, env)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		n := countRows(t, db, `SELECT count(*) FROM river_job WHERE kind LIKE 'ai\_%'
			AND state NOT IN ('completed', 'cancelled', 'discarded')`)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d demo AI jobs still unfinished after 60s\n%s", n, tail(worker.logs(), 3000))
		}
	}
	gate := fake.Block(string(verdict)) // the first attempt waits here until the worker dies
	fake.Reply(string(verdict))         // the rescued attempt is answered
	fake.SetDefault(aitest.Step{Text: "Sorry about the double charge; we are refunding one of the payments."})

	w := node.url + "/api/v1/widget/" + seed.DemoInboxToken
	contact := postJSON(t, http.StatusCreated, "POST", w+"/contacts", nil, map[string]any{"name": "Killed Worker Visitor"})
	const content = "I was charged twice for invoice 4411 this month, please refund one payment."
	conv := postJSON(t, http.StatusCreated, "POST", w+"/conversations",
		map[string]string{"X-Contact-Token": contact["contact_token"].(string)}, map[string]any{"content": content})
	convID := int64(conv["id"].(float64))
	var msgID int64
	if err := db.QueryRow("SELECT id FROM messages WHERE conversation_id = $1 AND content = $2", convID, content).Scan(&msgID); err != nil {
		t.Fatalf("the posted message is not stored: %v", err)
	}

	select {
	case <-gate.Entered():
	case <-time.After(30 * time.Second):
		t.Fatalf("the worker did not call the AI within 30s\n%s", tail(worker.logs(), 3000))
	}
	if err := worker.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-worker.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the worker did not die within 10s of SIGKILL")
	}
	killedAt := time.Now()
	select {
	case <-gate.ClientGone():
	case <-time.After(10 * time.Second):
		t.Fatal("the AI request of the killed worker is still open 10s after the kill")
	}
	// The job is left running with its first attempt, and nothing of it
	// was stored.
	job := classifyJob(t, db, msgID)
	if job.count != 1 || job.state != "running" || job.attempt != 1 {
		t.Fatalf("after the kill the classification job is %+v, want one job, running, attempt 1", job)
	}
	if n := countRows(t, db, "SELECT count(*) FROM ai_classifications WHERE message_id = $1", msgID); n != 0 {
		t.Fatalf("%d classifications stored by an attempt that never got its answer", n)
	}

	worker2 := startWorkerProc(t, env)
	deadline := time.Now().Add(60 * time.Second)
	for job = classifyJob(t, db, msgID); job.state != "completed"; job = classifyJob(t, db, msgID) {
		if time.Now().After(deadline) {
			t.Fatalf("60s after the kill the classification job is %+v\nnew worker's log:\n%s", job, tail(worker2.logs(), 3000))
		}
		time.Sleep(200 * time.Millisecond)
	}
	done := time.Since(killedAt)

	// Retried by the new worker, not duplicated: one job, whose second
	// attempt, by another client than the first, completed it after the
	// rescuer had recorded the first one as stuck.
	if job.count != 1 || job.attempt != 2 || len(job.attemptedBy) != 2 || job.attemptedBy[0] == job.attemptedBy[1] ||
		!strings.Contains(job.errors, "Stuck job rescued") {
		t.Errorf("classification job %+v: want one job, completed at attempt 2 by a second client, with the rescue recorded", job)
	}
	if n := len(classifyRequests(fake, content)); n != 2 {
		t.Errorf("the AI got %d classification requests, want 2 (the killed attempt and the retry)", n)
	}
	once := []struct{ what, query string }{
		{"messages with the posted content", "SELECT count(*) FROM messages WHERE conversation_id = $1 AND content = $2"},
		{"customer messages in the conversation", "SELECT count(*) FROM messages WHERE conversation_id = $1 AND sender_type = 'contact'"},
		{"classifications of the message", "SELECT count(*) FROM ai_classifications WHERE conversation_id = $1"},
		{"classifications by the remote model", "SELECT count(*) FROM ai_classifications WHERE conversation_id = $1 AND provider = 'anthropic' AND category = 'billing' AND outcome <> 'human_queue'"},
		{"conversation.classified events", "SELECT count(*) FROM events WHERE conversation_id = $1 AND type = 'conversation.classified'"},
		{"conversation.assigned events", "SELECT count(*) FROM events WHERE conversation_id = $1 AND type = 'conversation.assigned'"},
		{"AI assignments", "SELECT count(*) FROM conversation_assignments WHERE conversation_id = $1 AND source = 'ai_auto_assign'"},
	}
	for _, o := range once {
		args := []any{convID}
		if strings.Contains(o.query, "$2") {
			args = append(args, content)
		}
		if n := countRows(t, db, o.query, args...); n != 1 {
			t.Errorf("%d %s, want exactly 1", n, o.what)
		}
	}
	var team int64
	if err := db.QueryRow("SELECT coalesce(team_id, 0) FROM conversations WHERE id = $1", convID).Scan(&team); err != nil {
		t.Fatal(err)
	}
	if team != billing {
		t.Errorf("the conversation is in team %d, want Billing (%d) as the AI said", team, billing)
	}
	for _, s := range []*server{node, worker2} {
		select {
		case <-s.exited:
			t.Errorf("a process exited: %v\n%s", s.err, tail(s.logs(), 3000))
		default:
		}
	}
	t.Logf("job completed %v after the kill (rescue after 4s; leader failover and River's 30s check included); test took %v",
		done.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// classifyJobRow is what the test reads of a river_job row.
type classifyJobRow struct {
	count       int
	state       string
	attempt     int
	attemptedBy []string
	errors      string
}

// classifyJob reads the classification job of a message, and how many
// there are.
func classifyJob(t *testing.T, db *sql.DB, msgID int64) classifyJobRow {
	t.Helper()
	var j classifyJobRow
	rows, err := db.Query(`SELECT state::text, attempt, coalesce(array_to_json(attempted_by)::text, '[]'),
		coalesce(array_to_json(errors)::text, '') FROM river_job
		WHERE kind = 'ai_classify' AND (args->>'message_id')::bigint = $1 ORDER BY id`, msgID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var by string
		if err := rows.Scan(&j.state, &j.attempt, &by, &j.errors); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(by), &j.attemptedBy); err != nil {
			t.Fatal(err)
		}
		j.count++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return j
}

// countRows runs a count(*) query.
func countRows(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// classifyRequests returns the requests the fake got to classify the
// message with content (not drafts, not the demo desk's messages).
func classifyRequests(f *aitest.Anthropic, content string) []aitest.Request {
	var out []aitest.Request
	for _, r := range f.Requests() {
		if raw := string(r.Raw); strings.Contains(raw, "CLASSIFICATION RULES") && strings.Contains(raw, content) {
			out = append(out, r)
		}
	}
	return out
}
