package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"hummdesk/internal/kb"
	"hummdesk/internal/store"
)

type kbEmbeddingBody struct {
	Status          string     `json:"status" enum:"ready,pending" doc:"ready: the chunks are made from this version by the server's embedder; pending: the embedding job has yet to run"`
	Embedder        string     `json:"embedder" doc:"Embedder of the current chunks (empty before the first embedding)"`
	EmbeddedVersion int64      `json:"embedded_version" doc:"Article version the current chunks were made from (0: none yet)"`
	Chunks          int        `json:"chunks"`
	EmbeddedAt      *time.Time `json:"embedded_at"`
}

type kbArticleBody struct {
	ID        int64           `json:"id"`
	Title     string          `json:"title"`
	Content   string          `json:"content"`
	Tags      []string        `json:"tags"`
	Published bool            `json:"published" doc:"Only published articles are searched"`
	Version   int64           `json:"version" doc:"Counts changes of title or content; each is embedded again"`
	Embedding kbEmbeddingBody `json:"embedding"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func (s *Server) kbArticleOf(a store.KBArticle) kbArticleBody {
	status := "pending"
	if a.EmbeddedVersion == a.Version && a.Embedder == s.kb.Embedder().Name() {
		status = "ready"
	}
	return kbArticleBody{ID: a.ID, Title: a.Title, Content: a.Content, Tags: a.Tags, Published: a.Published, Version: a.Version,
		Embedding: kbEmbeddingBody{Status: status, Embedder: a.Embedder, EmbeddedVersion: a.EmbeddedVersion, Chunks: a.Chunks,
			EmbeddedAt: a.EmbeddedAt},
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// kbTenant is tenant for knowledge-base routes, which need the service.
func (s *Server) kbTenant(ctx context.Context, write bool, fn func(tx *store.Tx) error) error {
	if s.kb == nil {
		return newProblem(http.StatusServiceUnavailable, "the knowledge base is not configured on this server")
	}
	return s.tenant(ctx, write, func(tx *store.Tx, _ member) error { return fn(tx) })
}

// KBArticleParam names a knowledge-base article of the account in the path.
type KBArticleParam struct {
	AccountParam
	ArticleID int64 `path:"article_id"`
}

type listKBArticlesInput struct {
	AccountParam
	Published string `query:"published" enum:"true,false" doc:"Only published (true) or unpublished (false) articles; default both"`
	Cursor    string `query:"cursor" maxLength:"200"`
	Limit     int    `query:"limit" doc:"Page size, clamped to 1..100 (default 25)"`
}

func (s *Server) listKBArticlesHandler(ctx context.Context, in *listKBArticlesInput) (*out[page[kbArticleBody]], error) {
	limit := clampLimit(in.Limit)
	p := store.KBArticleListParams{Limit: limit + 1}
	if in.Cursor != "" {
		v, err := decodeCursor(in.Cursor, 1)
		if err != nil {
			return nil, s.toProblem(ctx, err)
		}
		p.BeforeID = v[0]
	}
	if in.Published != "" {
		published := in.Published == "true"
		p.Published = &published
	}
	var res []store.KBArticle
	err := s.kbTenant(ctx, false, func(tx *store.Tx) (err error) {
		res, err = tx.KBArticleList(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	pg := page[kbArticleBody]{Data: []kbArticleBody{}}
	if len(res) > limit {
		res = res[:limit]
		pg.NextCursor = encodeCursor(res[limit-1].ID)
	}
	for _, a := range res {
		pg.Data = append(pg.Data, s.kbArticleOf(a))
	}
	return reply(pg), nil
}

type createKBArticleInput struct {
	AccountParam
	Body struct {
		Title     string   `json:"title" minLength:"1" maxLength:"200"`
		Content   string   `json:"content" minLength:"1" maxLength:"100000" doc:"Plain text or Markdown; blank lines separate paragraphs"`
		Tags      []string `json:"tags,omitempty" maxItems:"20" doc:"At most 20 tags of up to 50 characters"`
		Published bool     `json:"published,omitempty"`
	}
}

func (s *Server) createKBArticleHandler(ctx context.Context, in *createKBArticleInput) (*out[kbArticleBody], error) {
	var res store.KBArticle
	err := s.kbTenant(ctx, true, func(tx *store.Tx) (err error) {
		res, err = s.kb.CreateArticle(ctx, tx, kb.ArticleParams{Title: in.Body.Title, Content: in.Body.Content,
			Tags: in.Body.Tags, Published: in.Body.Published})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(s.kbArticleOf(res)), nil
}

func (s *Server) getKBArticleHandler(ctx context.Context, in *KBArticleParam) (*out[kbArticleBody], error) {
	var res store.KBArticle
	err := s.kbTenant(ctx, false, func(tx *store.Tx) (err error) {
		res, err = tx.KBArticleGet(ctx, in.ArticleID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(s.kbArticleOf(res)), nil
}

type updateKBArticleInput struct {
	KBArticleParam
	Body struct {
		Title     *string   `json:"title,omitempty" minLength:"1" maxLength:"200"`
		Content   *string   `json:"content,omitempty" minLength:"1" maxLength:"100000"`
		Tags      *[]string `json:"tags,omitempty" maxItems:"20"`
		Published *bool     `json:"published,omitempty"`
	}
}

func (s *Server) updateKBArticleHandler(ctx context.Context, in *updateKBArticleInput) (*out[kbArticleBody], error) {
	var res store.KBArticle
	err := s.kbTenant(ctx, true, func(tx *store.Tx) (err error) {
		res, err = s.kb.UpdateArticle(ctx, tx, in.ArticleID, kb.ArticlePatch{Title: in.Body.Title, Content: in.Body.Content,
			Tags: in.Body.Tags, Published: in.Body.Published})
		return err
	})
	if err != nil {
		return nil, err
	}
	return reply(s.kbArticleOf(res)), nil
}

func (s *Server) deleteKBArticleHandler(ctx context.Context, in *KBArticleParam) (*struct{}, error) {
	return nil, s.kbTenant(ctx, true, func(tx *store.Tx) error { return s.kb.DeleteArticle(ctx, tx, in.ArticleID) })
}

type kbChunkBody struct {
	ID        int64     `json:"id"`
	Ordinal   int       `json:"ordinal" doc:"Position in the article, from 0"`
	Content   string    `json:"content"`
	Embedder  string    `json:"embedder"`
	Dim       int       `json:"dim"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Server) listKBChunksHandler(ctx context.Context, in *KBArticleParam) (*out[page[kbChunkBody]], error) {
	var res []store.KBChunk
	err := s.kbTenant(ctx, false, func(tx *store.Tx) (err error) {
		if _, err := tx.KBArticleGet(ctx, in.ArticleID); err != nil {
			return err
		}
		res, err = tx.KBChunkList(ctx, in.ArticleID)
		return err
	})
	if err != nil {
		return nil, err
	}
	data := make([]kbChunkBody, len(res))
	for i, c := range res {
		data[i] = kbChunkBody{ID: c.ID, Ordinal: c.Ordinal, Content: c.Content, Embedder: c.Embedder, Dim: c.Dim, CreatedAt: c.CreatedAt}
	}
	return reply(page[kbChunkBody]{Data: data}), nil
}

type searchKBInput struct {
	AccountParam
	Q             string  `query:"q" maxLength:"1000" doc:"The question; without one there are no hits"`
	Limit         int     `query:"limit" doc:"Hits to return, clamped to 1..50 (default 5)"`
	MinSimilarity float64 `query:"min_similarity" minimum:"-1" maximum:"1" doc:"Leave out hits whose vector similarity is below this (default: keep all)"`
}

type kbScoresBody struct {
	Similarity float64 `json:"similarity" doc:"Cosine similarity of the question's and the chunk's embeddings, -1..1"`
	VectorRank *int    `json:"vector_rank" doc:"Place among the nearest neighbours of the question (null: not among the 50 nearest)"`
	TextRank   *int    `json:"text_rank" doc:"Place in the full-text results (null: no word in common)"`
	TextScore  float64 `json:"text_score" doc:"Full-text relevance: ts_rank on PostgreSQL, -bm25 on SQLite"`
	Fused      float64 `json:"fused" doc:"Reciprocal rank fusion: sum of 1/(60 + rank) over both lists; hits are ordered by it"`
}

type kbHitBody struct {
	ArticleID    int64        `json:"article_id"`
	ArticleTitle string       `json:"article_title"`
	ChunkID      int64        `json:"chunk_id"`
	Ordinal      int          `json:"ordinal"`
	Chunk        string       `json:"chunk"`
	Scores       kbScoresBody `json:"scores"`
}

type kbSearchBody struct {
	Query    string      `json:"query"`
	Embedder string      `json:"embedder"`
	Data     []kbHitBody `json:"data"`
}

func rankPtr(r int) *int {
	if r == 0 {
		return nil
	}
	return &r
}

func (s *Server) searchKBHandler(ctx context.Context, in *searchKBInput) (*out[kbSearchBody], error) {
	var hits []kb.Hit
	q := strings.TrimSpace(in.Q)
	err := s.kbTenant(ctx, false, func(tx *store.Tx) (err error) {
		hits, err = s.kb.SearchTx(ctx, tx, kb.Query{Text: q, K: in.Limit, MinSimilarity: in.MinSimilarity})
		return err
	})
	if err != nil {
		return nil, err
	}
	res := kbSearchBody{Query: q, Embedder: s.kb.Embedder().Name(), Data: make([]kbHitBody, len(hits))}
	for i, h := range hits {
		res.Data[i] = kbHitBody{ArticleID: h.ArticleID, ArticleTitle: h.ArticleTitle, ChunkID: h.ChunkID, Ordinal: h.Ordinal,
			Chunk: h.Chunk, Scores: kbScoresBody{Similarity: h.Similarity, VectorRank: rankPtr(h.VectorRank),
				TextRank: rankPtr(h.TextRank), TextScore: h.TextScore, Fused: h.Score}}
	}
	return reply(res), nil
}
