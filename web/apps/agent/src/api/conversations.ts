// Conversations of the current account: the filtered list (keyset pages),
// the tab counts, one conversation, and the actions on it (status, snooze,
// priority, assignment).
import { http, accountPath } from '@/api/http'
import type { Category, Conversation, ConversationCounts, ConversationStatus, Page, Priority } from '@shared/types/api'

/** Filters of the list; empty values mean "any". */
export interface ConversationFilters {
  status: ConversationStatus | 'all'
  assignee?: 'me' | 'unassigned' | 'any'
  priority?: Priority | ''
  category?: Category | ''
  team_id?: number | null
  inbox_id?: number | null
  q?: string
}

function query(f: ConversationFilters) {
  return {
    status: f.status,
    assignee: f.assignee === 'any' ? undefined : f.assignee,
    priority: f.priority || undefined,
    category: f.category || undefined,
    team_id: f.team_id ?? undefined,
    inbox_id: f.inbox_id ?? undefined,
    q: f.q?.trim() || undefined,
  }
}

export function listConversations(
  f: ConversationFilters,
  cursor: string | null,
  signal?: AbortSignal,
  limit = 25,
): Promise<Page<Conversation>> {
  return http.get<Page<Conversation>>(accountPath('/conversations'), { ...query(f), cursor: cursor ?? undefined, limit }, signal)
}

/** Counts for the Mine / Unassigned / All tabs under the same filters (assignee ignored). */
export function conversationCounts(f: ConversationFilters, signal?: AbortSignal): Promise<ConversationCounts> {
  const q = query(f)
  delete q.assignee
  return http.get<ConversationCounts>(accountPath('/conversations/counts'), q, signal)
}

export function getConversation(id: number): Promise<Conversation> {
  return http.get<Conversation>(accountPath(`/conversations/${id}`))
}

/** PATCH .../conversations/{id}: fields left out stay as they are. */
export interface ConversationPatch {
  status?: ConversationStatus
  priority?: Priority
  /** RFC 3339, in the future; only (and always) with status snoozed. */
  snoozed_until?: string
}

export function updateConversation(id: number, patch: ConversationPatch): Promise<Conversation> {
  return http.patch<Conversation>(accountPath(`/conversations/${id}`), patch)
}

/**
 * POST .../conversations/{id}/assignments: give assignee_id, team_id or
 * both; null unassigns the agent or removes the team, a field left out
 * stays as it is.
 */
export interface AssignmentChange {
  assignee_id?: number | null
  team_id?: number | null
}

export function assignConversation(id: number, change: AssignmentChange): Promise<Conversation> {
  return http.post<Conversation>(accountPath(`/conversations/${id}/assignments`), change)
}
