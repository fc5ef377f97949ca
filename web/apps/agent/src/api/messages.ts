// Messages of one conversation: keyset pages (oldest or newest first) and
// posting a reply or private note with an idempotency key, so a retried send
// returns the first message instead of a second one.
import { http, accountPath } from '@/api/http'
import type { Message, Page } from '@shared/types/api'

export interface MessagePageQuery {
  /** asc (server default): oldest first; desc: newest first (cursor goes back in time). */
  order?: 'asc' | 'desc'
  cursor?: string | null
  limit?: number
}

export function listMessages(conversationId: number, q: MessagePageQuery = {}, signal?: AbortSignal): Promise<Page<Message>> {
  return http.get<Page<Message>>(
    accountPath(`/conversations/${conversationId}/messages`),
    { order: q.order, cursor: q.cursor ?? undefined, limit: q.limit },
    signal,
  )
}

export interface NewMessage {
  content: string
  /** A private note, visible to agents only. */
  private?: boolean
  /** The client's echo id; a retry with the same key returns the first message. */
  idempotency_key?: string
}

export function createMessage(conversationId: number, m: NewMessage): Promise<Message> {
  const body: NewMessage = { content: m.content }
  if (m.private) body.private = true
  if (m.idempotency_key) body.idempotency_key = m.idempotency_key
  return http.post<Message>(accountPath(`/conversations/${conversationId}/messages`), body)
}
