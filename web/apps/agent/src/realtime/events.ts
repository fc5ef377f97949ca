// THE one table mapping every real-time event type to store actions
// (STYLE.md pattern 20). Guards: events of another account are ignored
// (tenant guard), an event delivered twice (account and agent channels)
// is applied once, and conversation events older than what the list holds
// are dropped (version guard, in the conversations store). Pushes are
// hints: after a gap the client refetches (realtime/client.ts).
import { useAuthStore } from '@/stores/auth'
import { useConversationsStore } from '@/stores/conversations'
import { useAgentsStore } from '@/stores/agents'
import { useThreadStore } from '@/stores/thread'
import type { AnyRealtimeEvent, RealtimeEvent, RealtimeEventType, TypingEvent } from '@shared/types/api'

type Handlers = { [K in RealtimeEventType]: (ev: RealtimeEvent<K>) => void }

/**
 * Applies a conversation.* event to the list (which fetches a conversation
 * it does not hold rather than trust a possibly late push) and to the open
 * thread (which ignores other conversations and older versions itself).
 */
function conversationChanged(ev: RealtimeEvent<'conversation.created' | 'conversation.updated' | 'conversation.assigned' | 'conversation.status_changed'>): void {
  const list = useConversationsStore()
  list.applyPush(ev.data)
  list.refreshCountsSoon()
  useThreadStore().onConversationChanged(ev)
}

export const handlers: Handlers = {
  'conversation.created': conversationChanged,
  'conversation.updated': conversationChanged,
  'conversation.assigned': conversationChanged,
  'conversation.status_changed': conversationChanged,
  'message.created': (ev) => {
    void useConversationsStore().applyMessage(ev.data, ev.version)
    useThreadStore().onMessageCreated(ev)
  },
  'conversation.classified': (ev) => {
    const list = useConversationsStore()
    const id = ev.conversation_id ?? ev.data.conversation_id
    list.applyClassification(id, ev.data.category, ev.data.priority, ev.version)
    list.refreshCountsSoon()
    useThreadStore().onClassified(ev)
  },
  'draft.created': (ev) => {
    useThreadStore().onDraftCreated(ev)
  },
  'agent.presence': (ev) => {
    useAgentsStore().applyPresence(ev.data, ev.version)
  },
}

const RECENT_MAX = 1000
const recent = new Set<number>()

/** Event ids are unique: remember the last ones to apply duplicates once. */
function firstTime(id: number): boolean {
  if (recent.has(id)) return false
  recent.add(id)
  if (recent.size > RECENT_MAX) {
    const oldest = recent.values().next().value
    if (oldest !== undefined) recent.delete(oldest)
  }
  return true
}

/** Forgets delivered ids (tests; account switch). */
export function resetDedupe(): void {
  recent.clear()
}

let lastEventId = 0

/** The highest event id applied, for GET .../events?since= catch-up. */
export function lastSeenEventId(): number {
  return lastEventId
}

function isEvent(v: unknown): v is AnyRealtimeEvent {
  if (!v || typeof v !== 'object') return false
  const e = v as Record<string, unknown>
  return typeof e.type === 'string' && typeof e.account_id === 'number' && 'data' in e
}

/**
 * Dispatches one publication of the account or agent channel. Returns
 * whether it was applied.
 */
export function dispatchEvent(raw: unknown): boolean {
  if (!isEvent(raw)) return false
  const ev = raw
  const auth = useAuthStore()
  if (auth.currentAccountId === null || ev.account_id !== auth.currentAccountId) return false
  const handler = handlers[ev.type] as ((e: AnyRealtimeEvent) => void) | undefined
  if (!handler) return false
  if (typeof ev.id === 'number' && ev.id > 0) {
    if (!firstTime(ev.id)) return false
    lastEventId = Math.max(lastEventId, ev.id)
  }
  handler(ev)
  return true
}

/**
 * Dispatches a publication of a conversation channel: only typing is taken
 * from there (the rest also arrives, in full, on the account channel). The
 * account comes from the channel name; the agent's own typing is ignored.
 */
export function dispatchConversationPublication(raw: unknown, channelAccountId: number): boolean {
  if (!raw || typeof raw !== 'object' || (raw as { type?: unknown }).type !== 'typing') return false
  const auth = useAuthStore()
  if (channelAccountId !== auth.currentAccountId) return false
  const ev = raw as TypingEvent
  if (ev.sender_type === 'agent' && ev.sender_id !== undefined && ev.sender_id === auth.user?.id) return false
  useThreadStore().onTyping(ev)
  return true
}
