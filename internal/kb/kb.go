package kb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"hummdesk/internal/desk"
	"hummdesk/internal/store"
)

// Limits of an article's fields.
const (
	MaxTitleRunes   = 200
	MaxContentRunes = 100_000
	MaxTags         = 20
	MaxTagRunes     = 50
)

// Enqueuer inserts a job in a store transaction (the job queue client).
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Options configures a Service.
type Options struct {
	Store *store.Store
	// Embedder makes the vectors; nil means LocalEmbedder. Its Dim must be
	// store.KBDim, the dimension the schema stores.
	Embedder Embedder
	// Jobs receives the embedding jobs. Without it, articles are written
	// but nothing embeds them until a Service with jobs sweeps them up.
	Jobs Enqueuer
	// CacheFloats caps the vectors the SQLite search keeps in memory, in
	// float32s across all accounts (default 32M, 128 MiB).
	CacheFloats int
	Logger      *slog.Logger
}

// Service is the knowledge base: article writes that enqueue their
// embedding, the embedding itself, and hybrid search.
type Service struct {
	store *store.Store
	emb   Embedder
	jobs  Enqueuer
	cache *vectorCache
	log   *slog.Logger
}

// NewService returns the knowledge-base service.
func NewService(opts Options) (*Service, error) {
	s := &Service{store: opts.Store, emb: opts.Embedder, jobs: opts.Jobs, log: opts.Logger}
	if s.emb == nil {
		s.emb = LocalEmbedder{}
	}
	if s.emb.Dim() != store.KBDim {
		return nil, fmt.Errorf("knowledge base: embedder %s makes %d-dimensional vectors; the schema stores %d", s.emb.Name(), s.emb.Dim(), store.KBDim)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.cache = newVectorCache(opts.CacheFloats)
	return s, nil
}

// UseJobs sets the job queue the service enqueues into, for wiring where
// the queue is built after the service (its workers need the service).
func (s *Service) UseJobs(j Enqueuer) { s.jobs = j }

// Embedder is the service's embedder.
func (s *Service) Embedder() Embedder { return s.emb }

// ArticleParams are a new article's fields.
type ArticleParams struct {
	Title     string
	Content   string
	Tags      []string
	Published bool
}

// ArticlePatch changes an article; nil fields stay.
type ArticlePatch struct {
	Title     *string
	Content   *string
	Tags      *[]string
	Published *bool
}

func validTitle(title string) (string, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		return "", desk.Invalid("title", "title must not be empty")
	}
	if utf8.RuneCountInString(title) > MaxTitleRunes {
		return "", desk.Invalid("title", "title is longer than %d characters", MaxTitleRunes)
	}
	return title, nil
}

func validContent(content string) error {
	if strings.TrimSpace(content) == "" {
		return desk.Invalid("content", "content must not be empty")
	}
	if utf8.RuneCountInString(content) > MaxContentRunes {
		return desk.Invalid("content", "content is longer than %d characters", MaxContentRunes)
	}
	return nil
}

// validTags trims tags and drops duplicates and empty ones.
func validTags(tags []string) ([]string, error) {
	out := []string{}
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > MaxTagRunes {
			return nil, desk.Invalid("tags", "a tag is longer than %d characters", MaxTagRunes)
		}
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, desk.Invalid("tags", "an article has at most %d tags", MaxTags)
	}
	return out, nil
}

// CreateArticle adds an article in tx and enqueues its embedding in the
// same transaction.
func (s *Service) CreateArticle(ctx context.Context, tx *store.Tx, p ArticleParams) (store.KBArticle, error) {
	title, err := validTitle(p.Title)
	if err != nil {
		return store.KBArticle{}, err
	}
	if err := validContent(p.Content); err != nil {
		return store.KBArticle{}, err
	}
	tags, err := validTags(p.Tags)
	if err != nil {
		return store.KBArticle{}, err
	}
	a, err := tx.KBArticleCreate(ctx, store.KBArticleParams{Title: title, Content: p.Content, Tags: tags, Published: p.Published})
	if err != nil {
		return a, err
	}
	return a, s.enqueue(ctx, tx, a)
}

// UpdateArticle changes an article in tx; a new title or content enqueues
// its embedding again, in the same transaction.
func (s *Service) UpdateArticle(ctx context.Context, tx *store.Tx, id int64, p ArticlePatch) (store.KBArticle, error) {
	var patch store.KBArticlePatch
	if p.Title != nil {
		title, err := validTitle(*p.Title)
		if err != nil {
			return store.KBArticle{}, err
		}
		patch.Title = &title
	}
	if p.Content != nil {
		if err := validContent(*p.Content); err != nil {
			return store.KBArticle{}, err
		}
		patch.Content = p.Content
	}
	if p.Tags != nil {
		tags, err := validTags(*p.Tags)
		if err != nil {
			return store.KBArticle{}, err
		}
		patch.Tags = &tags
	}
	patch.Published = p.Published
	a, reembed, err := tx.KBArticleUpdate(ctx, id, patch)
	if err != nil || !reembed {
		return a, err
	}
	return a, s.enqueue(ctx, tx, a)
}

// DeleteArticle deletes an article and its chunks in tx.
func (s *Service) DeleteArticle(ctx context.Context, tx *store.Tx, id int64) error {
	return tx.KBArticleDelete(ctx, id)
}

func (s *Service) enqueue(ctx context.Context, tx *store.Tx, a store.KBArticle) error {
	if s.jobs == nil {
		return nil
	}
	if _, err := s.jobs.InsertTx(ctx, tx, EmbedArgs{AccountID: a.AccountID, ArticleID: a.ID, Version: a.Version}, nil); err != nil {
		return fmt.Errorf("enqueue embedding of article %d: %w", a.ID, err)
	}
	return nil
}

// EmbedInput is the text embedded for one chunk of an article: the title
// gives every chunk the article's context.
func EmbedInput(title, chunk string) string { return title + "\n\n" + chunk }

// EmbedArticle makes an article's chunks and embeddings, unless they are
// current already, and stores them. version is the article version the
// caller expects (0: whatever is current); a newer version means a newer
// job will do the work, and EmbedArticle returns false without doing it,
// as it does for an article that is gone. The embedding runs outside any
// transaction; when the article changes meanwhile the result is dropped.
func (s *Service) EmbedArticle(ctx context.Context, accountID, articleID, version int64) (embedded bool, err error) {
	var a store.KBArticle
	err = s.store.ReadTx(ctx, accountID, func(tx *store.Tx) (err error) {
		a, err = tx.KBArticleGet(ctx, articleID)
		return err
	})
	if desk.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if version > 0 && a.Version > version {
		return false, nil
	}
	if a.EmbeddedVersion == a.Version && a.Embedder == s.emb.Name() {
		return false, nil
	}
	chunks := Chunk(a.Content, 0)
	inputs := make([]string, len(chunks))
	for i, c := range chunks {
		inputs[i] = EmbedInput(a.Title, c)
	}
	vecs, err := s.emb.Embed(ctx, inputs)
	if err != nil {
		return false, fmt.Errorf("embed article %d with %s: %w", articleID, s.emb.Name(), err)
	}
	if len(vecs) != len(inputs) {
		return false, fmt.Errorf("embed article %d: %s returned %d vectors for %d texts", articleID, s.emb.Name(), len(vecs), len(inputs))
	}
	p := store.KBChunksReplaceParams{ArticleID: articleID, Version: a.Version, Embedder: s.emb.Name()}
	for i, c := range chunks {
		p.Chunks = append(p.Chunks, store.KBChunkInput{Content: c, Embedding: vecs[i]})
	}
	err = s.store.Tx(ctx, accountID, func(tx *store.Tx) error { return tx.KBChunksReplace(ctx, p) })
	if errors.Is(err, store.ErrKBStale) || desk.IsNotFound(err) {
		// Changed or deleted meanwhile: the change enqueued its own job.
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}
