// AI at the agent's side for one conversation: the latest classification
// and its corrections, a re-run, and the reply drafts (accept or reject).
// Also the titles of the knowledge-base articles a draft was grounded in.
import { http, accountPath } from '@/api/http'
import type { AcceptedDraft, ClassificationView, Draft } from '@shared/types/api'

const conv = (id: number, rest = '') => accountPath(`/conversations/${id}${rest}`)

/** The latest classification of the latest customer message (404 when there is none yet). */
export function getClassification(conversationId: number, signal?: AbortSignal): Promise<ClassificationView> {
  return http.get<ClassificationView>(conv(conversationId, '/classification'), undefined, signal)
}

/** An agent's correction; team_id moves the conversation to that team. */
export interface ClassificationCorrection {
  category?: string
  priority?: string
  sentiment?: string
  language?: string
  team_id?: number
}

export function correctClassification(conversationId: number, c: ClassificationCorrection): Promise<ClassificationView> {
  return http.patch<ClassificationView>(conv(conversationId, '/classification'), c)
}

export interface ReclassifyAccepted {
  conversation_id: number
  message_id: number
  run: number
}

/** Classifies the latest customer message again, in the background (202). */
export function reclassify(conversationId: number): Promise<ReclassifyAccepted> {
  return http.post<ReclassifyAccepted>(conv(conversationId, '/ai/classify'))
}

/** The conversation's drafts, newest first. */
export async function listDrafts(conversationId: number, signal?: AbortSignal): Promise<Draft[]> {
  const res = await http.get<{ data: Draft[] }>(conv(conversationId, '/drafts'), undefined, signal)
  return res.data
}

/**
 * Sends the draft as the agent's reply. content is the text as sent (edited
 * or not); the server compares it with the draft to record the edit distance.
 */
export function acceptDraft(conversationId: number, draftId: number, content?: string): Promise<AcceptedDraft> {
  const body = content === undefined ? {} : { content }
  return http.post<AcceptedDraft>(conv(conversationId, `/drafts/${draftId}/accept`), body)
}

export function rejectDraft(conversationId: number, draftId: number): Promise<Draft> {
  return http.post<Draft>(conv(conversationId, `/drafts/${draftId}/reject`))
}

/** The part of a knowledge-base article a draft's source list shows. */
export interface ArticleRef {
  id: number
  title: string
}

/** One knowledge-base article's title (for a draft's sources). */
export async function getArticleRef(id: number): Promise<ArticleRef> {
  const a = await http.get<{ id: number; title: string }>(accountPath(`/knowledge_base/articles/${id}`))
  return { id: a.id, title: a.title }
}
