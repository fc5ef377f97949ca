package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"hummdesk/internal/ai"
	"hummdesk/internal/ai/anthropic"
	"hummdesk/internal/ai/openai"
	"hummdesk/internal/auth"
	"hummdesk/internal/config"
	"hummdesk/internal/desk"
	"hummdesk/internal/kb"
	"hummdesk/internal/store"
	"hummdesk/internal/triage"
)

// newSealer builds the encryption of stored API keys from
// HUMMDESK_SECRET_KEY, or from a secret generated once and kept in the
// database.
func newSealer(ctx context.Context, cfg *config.Config, st *store.Store) (*ai.Sealer, error) {
	secret := cfg.SecretKey
	if secret == "" {
		var err error
		if secret, err = st.SecretGetOrCreate(ctx, "ai_key_encryption", func() string { return auth.RandomToken(48) }); err != nil {
			return nil, err
		}
	}
	return ai.NewSealer(secret)
}

// newProviders gives each account its AI provider: the account's own
// choice (with its own key, model and endpoint) or the server's default,
// and nil (the built-in local model) when neither names a remote provider
// with a key. Remote providers are built once per account and settings
// version, so their circuit breakers keep their state between jobs.
func newProviders(cfg *config.Config, log *slog.Logger, sealer *ai.Sealer) triage.Providers {
	def := cfg.AIProvider
	if def == "" {
		switch {
		case cfg.AnthropicAPIKey != "":
			def = "anthropic"
		case cfg.OpenAIAPIKey != "":
			def = "openai"
		default:
			def = ai.LocalProvider
		}
	}
	build := func(name, key, model, baseURL string) ai.Provider {
		switch name {
		case "anthropic":
			if key == "" {
				key, baseURL = cfg.AnthropicAPIKey, cfg.AnthropicBaseURL
			}
			if key == "" {
				return nil
			}
			if model == "" {
				model = cfg.AnthropicModel
			}
			return anthropic.New(anthropic.Config{APIKey: key, Model: model, BaseURL: baseURL, Timeout: cfg.AITimeout})
		case "openai":
			if key == "" && baseURL == "" {
				key, baseURL = cfg.OpenAIAPIKey, cfg.OpenAIBaseURL
			}
			if key == "" && baseURL == "" {
				return nil
			}
			if model == "" {
				model = cfg.OpenAIModel
			}
			return openai.New(openai.Config{APIKey: key, BaseURL: baseURL, Model: model, Timeout: cfg.AITimeout})
		}
		return nil
	}
	server := build(def, "", "", "")
	if def != ai.LocalProvider && server == nil {
		log.Warn("AI provider has no API key; using the built-in local model", slog.String("provider", def))
	}
	type cached struct {
		version time.Time
		p       ai.Provider
	}
	var mu sync.Mutex
	perAccount := map[int64]cached{}
	return func(ctx context.Context, s desk.AISettings) (ai.Provider, string, error) {
		if s.Provider == "" {
			return server, "", nil
		}
		if s.Provider == ai.LocalProvider {
			return nil, "", nil
		}
		mu.Lock()
		defer mu.Unlock()
		if c, ok := perAccount[s.AccountID]; ok && c.version.Equal(s.UpdatedAt) {
			return c.p, s.Model, nil
		}
		key := ""
		if len(s.APIKeyEncrypted) > 0 {
			k, err := sealer.Open(s.AccountID, s.APIKeyEncrypted)
			if err != nil {
				return nil, "", err
			}
			key = k
		}
		p := build(s.Provider, key, s.Model, s.BaseURL)
		perAccount[s.AccountID] = cached{version: s.UpdatedAt, p: p}
		return p, s.Model, nil
	}
}

// draftMinSimilarity is the retrieval floor of drafts. The
// specification's 0.7 is a cosine for dense neural embeddings; the local
// embedder's hashed n-gram vectors score lower (the passage that answers a
// question averages 0.29 on internal/kb's evaluation set, the best wrong
// one 0.13), so its own floor applies.
const draftMinSimilarity = kb.LocalMinSimilarity

// retrieveWith adapts the knowledge base's hybrid search to drafts.
func retrieveWith(kbs *kb.Service) triage.Retrieve {
	return func(ctx context.Context, accountID int64, text string, k int, minSim float64) ([]ai.Article, error) {
		hits, err := kbs.Search(ctx, accountID, text, k, minSim)
		if err != nil {
			return nil, err
		}
		out := make([]ai.Article, 0, len(hits))
		for _, h := range hits {
			out = append(out, ai.Article{ID: h.ArticleID, Title: h.ArticleTitle, Text: h.Chunk, Similarity: h.Similarity})
		}
		return out, nil
	}
}
