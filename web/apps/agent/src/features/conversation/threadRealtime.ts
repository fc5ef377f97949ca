// The thread store's real-time handlers (realtime/events.ts calls them
// through the store's on* methods). Pushes are hints: each one is guarded,
// so events for other conversations and ones older than the conversation
// held are ignored. Also owns the contact's typing indicator and its timer.
import type { Ref } from 'vue'
import { mergeConfirmed, type ThreadMessage } from '@/features/conversation/messageMerge'
import type { ClassificationView, Conversation, Draft, Message, RealtimeEvent, TypingEvent } from '@shared/types/api'

/** A contact's typing indicator goes away after this long without a new signal. */
export const TYPING_TIMEOUT_MS = 6000

type AnyEvent = RealtimeEvent | TypingEvent

export interface RealtimeState {
  conversationId: Ref<number | null>
  conversation: Ref<Conversation | null>
  messages: Ref<ThreadMessage[]>
  classification: Ref<ClassificationView | null>
  reclassifying: Ref<boolean>
  contactTyping: Ref<boolean>
  /** Takes a conversation snapshot unless it is older than the one held. */
  applyConversation(c: Conversation): void
  upsertDraft(d: Draft): void
  loadArticleTitles(d: Draft): Promise<void>
}

export function createRealtimeHandlers(s: RealtimeState) {
  let typingTimer: ReturnType<typeof setTimeout> | null = null

  function forThis(ev: { conversation_id?: number }): boolean {
    return s.conversationId.value !== null && ev.conversation_id === s.conversationId.value
  }

  /** An event older than the conversation we hold (its version is the conversation's after the change). */
  function stale(ev: { version?: number }): boolean {
    return ev.version !== undefined && ev.version > 0 && s.conversation.value !== null && ev.version < s.conversation.value.version
  }

  function clearTyping(): void {
    s.contactTyping.value = false
    if (typingTimer) clearTimeout(typingTimer)
    typingTimer = null
  }

  function onMessageCreated(ev: RealtimeEvent): void {
    if (!forThis(ev) || stale(ev)) return
    const m = ev.data as Message
    if (!m || typeof m.id !== 'number') return
    s.messages.value = mergeConfirmed(s.messages.value, m)
    if (m.sender_type === 'contact') clearTyping()
  }

  function onConversationChanged(ev: RealtimeEvent): void {
    const held = s.conversation.value
    if (!forThis(ev) || stale(ev) || !held) return
    const data = ev.data as Partial<Conversation>
    if (typeof data.version === 'number' && data.contact) {
      s.applyConversation(data as Conversation)
    } else {
      // the visitor's view on a conversation channel: { id, status }
      s.conversation.value = { ...held, ...data, version: ev.version ?? held.version }
    }
  }

  function onClassified(ev: RealtimeEvent): void {
    if (!forThis(ev) || stale(ev)) return
    const c = ev.data as ClassificationView
    const held = s.classification.value
    if (held && c.id < held.id) return
    s.classification.value = { ...c, corrections: held && held.id === c.id ? held.corrections : (c.corrections ?? []) }
    s.reclassifying.value = false
  }

  function onDraftCreated(ev: RealtimeEvent): void {
    if (!forThis(ev)) return
    const d = ev.data as Draft
    s.upsertDraft(d)
    void s.loadArticleTitles(d)
  }

  function onTyping(ev: AnyEvent): void {
    const t = (ev.type === 'typing' ? ev : (ev as RealtimeEvent).data) as Partial<TypingEvent>
    const convId = ev.conversation_id ?? t.conversation_id
    if (s.conversationId.value === null || convId !== s.conversationId.value || t.sender_type !== 'contact') return
    if (typingTimer) clearTimeout(typingTimer)
    typingTimer = null
    s.contactTyping.value = !!t.typing
    if (t.typing) typingTimer = setTimeout(clearTyping, TYPING_TIMEOUT_MS)
  }

  return { clearTyping, onMessageCreated, onConversationChanged, onClassified, onDraftCreated, onTyping }
}
