// Package kb is the knowledge base: articles per account, cut into chunks
// (Chunk) that are embedded (Embedder; LocalEmbedder by default) by a job
// enqueued in the same transaction as the article write, and searched by a
// hybrid of vector similarity and full text fused by reciprocal rank
// (Service.Search).
//
// # Embedding
//
// Every write that changes what is embedded (title, content) bumps the
// article's version and enqueues an EmbedArgs job for that version. The
// worker embeds outside any transaction and stores the chunks only if the
// article is still at that version, so a job overtaken by a newer edit
// drops its work and the newer job's result stands. Chunks record the
// embedder's name and dimension; the periodic sweep (SweepArgs) re-enqueues
// every article whose chunks were made by another embedder, or never made.
//
// # Search
//
// See Service.SearchTx. On PostgreSQL both searches run in SQL under
// row-level security; on SQLite the vector search is an exact scan of the
// account's vectors, which the Service caches in memory per account and
// reloads when the account's knowledge-base generation (bumped by every
// write) moves. The cache is safe for concurrent use.
//
// # Evaluation
//
// EvalSet is a labelled set of questions in five languages over a small
// fictional help centre; Evaluate loads it into a fresh account and reports
// recall@k.
package kb
