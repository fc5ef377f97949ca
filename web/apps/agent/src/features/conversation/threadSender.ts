// Optimistic sending for the thread store: a message appears at once as
// pending, with a random echo id that goes to the server as its
// idempotency_key; the server's answer (or the message.created push, which
// ever comes first) replaces it, so it is never shown twice. A failure marks
// it failed; retry sends it again with the same key, which the server
// dedupes. A reply that accepts an AI draft goes through .../drafts/{id}/accept.
import type { Ref } from 'vue'
import { ApiError } from '@/api/http'
import { createMessage } from '@/api/messages'
import { acceptDraft, listDrafts } from '@/api/ai'
import { mergeConfirmed, newEchoId, type ThreadMessage } from '@/features/conversation/messageMerge'
import type { Conversation, Draft, Message } from '@shared/types/api'

export interface SenderState {
  conversationId: Ref<number | null>
  conversation: Ref<Conversation | null>
  messages: Ref<ThreadMessage[]>
  composerText: Ref<string>
  composerPrivate: Ref<boolean>
  acceptedDraftId: Ref<number | null>
  upsertDraft(d: Draft): void
  refetch(): Promise<void>
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.detail || e.title || `HTTP ${e.status}`
  return e instanceof Error ? e.message : String(e)
}

export function createSender(s: SenderState) {
  let tempSeq = 0

  function localIndex(echo: string): number {
    return s.messages.value.findIndex((m) => m.id < 0 && m.echo_id === echo)
  }

  function patchLocal(echo: string, patch: Partial<ThreadMessage>): void {
    const i = localIndex(echo)
    if (i < 0) return
    const next = s.messages.value.slice()
    next[i] = { ...next[i]!, ...patch }
    s.messages.value = next
  }

  async function deliver(echo: string): Promise<void> {
    const m = s.messages.value[localIndex(echo)]
    if (!m) return
    const id = m.conversation_id
    patchLocal(echo, { pending: true, failed: false, error: undefined })
    try {
      let saved: Message
      if (m.draft_id !== undefined) {
        const res = await acceptDraft(id, m.draft_id, m.content)
        s.upsertDraft(res.draft)
        saved = res.message
      } else {
        saved = await createMessage(id, { content: m.content, private: m.private, idempotency_key: echo })
      }
      if (s.conversationId.value !== id) return
      s.messages.value = mergeConfirmed(s.messages.value, saved, echo)
    } catch (e) {
      if (s.conversationId.value !== id) return
      patchLocal(echo, { pending: false, failed: true, error: errorText(e) })
    }
  }

  /**
   * Sends the composer's text (or the given text): through the accepted
   * draft when there is one and it is a reply, else as a new message.
   */
  async function send(text?: string, isPrivate?: boolean): Promise<void> {
    const id = s.conversationId.value
    const content = (text ?? s.composerText.value).replace(/\s+$/, '')
    if (id === null || content.trim() === '') return
    const priv = isPrivate ?? s.composerPrivate.value
    const echo = newEchoId()
    const msg: ThreadMessage = {
      id: -++tempSeq,
      account_id: s.conversation.value?.account_id ?? 0,
      conversation_id: id,
      sender_type: 'agent',
      sender_id: null,
      content,
      private: priv,
      idempotency_key: echo,
      created_at: new Date().toISOString(),
      pending: true,
      echo_id: echo,
    }
    if (!priv && s.acceptedDraftId.value !== null) {
      msg.draft_id = s.acceptedDraftId.value
      delete msg.idempotency_key
    }
    if (text === undefined) s.composerText.value = ''
    s.acceptedDraftId.value = null
    s.messages.value = [...s.messages.value, msg]
    await deliver(echo)
  }

  /** Sends a failed message again with the same echo id (the server dedupes by it). */
  async function retry(echo: string): Promise<void> {
    const m = s.messages.value[localIndex(echo)]
    if (!m || m.pending) return
    if (m.draft_id !== undefined) {
      // A draft is accepted once: if the first try got through, show the thread as the server has it.
      const list = await listDrafts(m.conversation_id).catch(() => null)
      const d = list?.find((x) => x.id === m.draft_id)
      if (d && d.status !== 'pending') {
        discard(echo)
        s.upsertDraft(d)
        await s.refetch()
        return
      }
    }
    await deliver(echo)
  }

  /** Drops a local (failed) message. */
  function discard(echo: string): void {
    s.messages.value = s.messages.value.filter((m) => !(m.id < 0 && m.echo_id === echo))
  }

  return { send, retry, discard }
}
