package aitest_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"hummdesk/internal/ai/aitest"
)

func post(t *testing.T, url, body string, header map[string]string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("decode answer: %v", err)
	}
	return res.StatusCode, res.Header, out
}

func TestOpenAIBase64Embeddings(t *testing.T) {
	t.Parallel()
	f := aitest.NewOpenAI(t)
	status, _, out := post(t, f.BaseURL()+"/embeddings",
		`{"model":"text-embedding-3-small","input":["hello"],"dimensions":8,"encoding_format":"base64"}`,
		map[string]string{"Authorization": "Bearer " + f.APIKey})
	if status != http.StatusOK {
		t.Fatalf("status = %d: %v", status, out)
	}
	data := out["data"].([]any)[0].(map[string]any)
	raw, err := base64.StdEncoding.DecodeString(data["embedding"].(string))
	if err != nil || len(raw) != 8*4 {
		t.Fatalf("embedding = %q (%v)", data["embedding"], err)
	}
	want := aitest.EmbeddingFor("hello", 8)
	var norm float64
	for i := range want {
		got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		if got != want[i] {
			t.Fatalf("component %d = %v, want %v", i, got, want[i])
		}
		norm += float64(got) * float64(got)
	}
	if math.Abs(norm-1) > 1e-5 {
		t.Errorf("|v|² = %v, want 1", norm)
	}
}

func TestUnscriptedChatIsAnAPIError(t *testing.T) {
	t.Parallel()
	f := aitest.NewAnthropic(t)
	hdr := map[string]string{"x-api-key": f.APIKey, "anthropic-version": "2023-06-01"}
	body := `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`
	status, h, out := post(t, f.URL()+"/v1/messages", body, hdr)
	if status != http.StatusInternalServerError || out["type"] != "error" || h.Get("Request-Id") == "" {
		t.Fatalf("unscripted: %d %v", status, out)
	}
	if e := out["error"].(map[string]any); e["type"] != "api_error" || !strings.Contains(e["message"].(string), "no scripted step") {
		t.Errorf("error = %v", e)
	}

	f.SetDefault(aitest.Step{Text: "always"})
	for range 2 {
		status, _, out = post(t, f.URL()+"/v1/messages", body, hdr)
		content := out["content"].([]any)[0].(map[string]any)
		if status != http.StatusOK || content["text"] != "always" {
			t.Fatalf("default: %d %v", status, out)
		}
	}
	if f.Calls() != 3 || f.Pending() != 0 {
		t.Errorf("calls = %d, pending = %d", f.Calls(), f.Pending())
	}
}

func TestRefusedRequestsTakeNoStep(t *testing.T) {
	t.Parallel()
	f := aitest.NewAnthropic(t)
	f.Fail(529, "")
	body := `{"model":"claude-haiku-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`
	status, _, out := post(t, f.URL()+"/v1/messages", body, map[string]string{"anthropic-version": "2023-06-01"})
	if status != http.StatusUnauthorized || out["error"].(map[string]any)["type"] != "authentication_error" {
		t.Fatalf("no key: %d %v", status, out)
	}
	status, _, out = post(t, f.URL()+"/v1/messages", body, map[string]string{"x-api-key": f.APIKey, "anthropic-version": "2023-06-01"})
	if status != 529 || out["error"].(map[string]any)["type"] != "overloaded_error" {
		t.Fatalf("scripted 529: %d %v", status, out)
	}
}
