package app

import (
	"context"
	"log/slog"

	"hummdesk/internal/ai"
	"hummdesk/internal/auth"
	"hummdesk/internal/config"
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

// newClassifiers gives each account its classifier. Until remote providers
// are configured, every account uses the built-in local model.
func newClassifiers(cfg *config.Config, log *slog.Logger) triage.Classifiers {
	_, _ = cfg, log
	return triage.LocalOnly
}
