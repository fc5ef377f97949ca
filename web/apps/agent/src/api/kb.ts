// The knowledge base of the current account: articles (embedded in the
// background after each change), their chunks, and hybrid search.
import { http, accountPath, type Page } from '@/api/http'
import { allPages } from '@/api/account'
import type { Article, ArticleChunk, ArticleInput, ArticlePatch, KBSearchResult } from '@shared/types/admin'

const base = '/knowledge_base/articles'

export interface ArticleListQuery {
  published?: boolean
  cursor?: string
  limit?: number
}

/** One page of articles, newest first. */
export function listArticles(q: ArticleListQuery = {}): Promise<Page<Article>> {
  return http.get<Page<Article>>(accountPath(base), {
    published: q.published === undefined ? undefined : String(q.published),
    cursor: q.cursor,
    limit: q.limit,
  })
}

/** Every article, following the cursors. */
export function listAllArticles(): Promise<Article[]> {
  return allPages<Article>(accountPath(base), { limit: 100 })
}

export function getArticle(id: number): Promise<Article> {
  return http.get<Article>(accountPath(`${base}/${id}`))
}

export function createArticle(input: ArticleInput): Promise<Article> {
  return http.post<Article>(accountPath(base), input)
}

export function updateArticle(id: number, patch: ArticlePatch): Promise<Article> {
  return http.patch<Article>(accountPath(`${base}/${id}`), patch)
}

export function deleteArticle(id: number): Promise<void> {
  return http.del(accountPath(`${base}/${id}`))
}

/** The article's chunks as embedded. */
export function listChunks(id: number): Promise<ArticleChunk[]> {
  return allPages<ArticleChunk>(accountPath(`${base}/${id}/chunks`))
}

export interface KBSearchQuery {
  q: string
  limit?: number
  min_similarity?: number
}

/** Hybrid (vector + full-text) search of the published articles, with scores. */
export function searchKB(query: KBSearchQuery): Promise<KBSearchResult> {
  return http.get<KBSearchResult>(accountPath('/knowledge_base/search'), {
    q: query.q,
    limit: query.limit,
    min_similarity: query.min_similarity,
  })
}
