// The open conversation: the conversation itself, its messages (with
// optimistic sends), the AI classification and drafts, the contact, typing,
// and the composer's text (kept per conversation while the agent switches
// between them: features/conversation/composerMemory.ts). realtime/events.ts feeds it pushes through the
// on* methods (features/conversation/threadRealtime.ts); pushes are hints,
// so every one is guarded (other conversations and older versions are
// ignored) and refetch() reloads everything after a reconnect.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { ApiError } from '@/api/http'
import { assignConversation, getConversation, updateConversation, type AssignmentChange, type ConversationPatch } from '@/api/conversations'
import { useConversationsStore } from '@/stores/conversations'
import { useAuthStore } from '@/stores/auth'
import { createComposerMemory } from '@/features/conversation/composerMemory'
import { listMessages } from '@/api/messages'
import * as aiApi from '@/api/ai'
import { getContact, listContactConversations } from '@/api/contacts'
import { mergePage, unconfirmed, type ThreadMessage } from '@/features/conversation/messageMerge'
import { createSender, errorText } from '@/features/conversation/threadSender'
import { createRealtimeHandlers } from '@/features/conversation/threadRealtime'
import type { ClassificationView, Contact, Conversation, Draft } from '@shared/types/api'

export type { ThreadMessage }
export { TYPING_TIMEOUT_MS } from '@/features/conversation/threadRealtime'

/** Messages per page of the thread. */
export const PAGE_SIZE = 30

export const useThreadStore = defineStore('thread', () => {
  const conversationId = ref<number | null>(null)
  const conversation = ref<Conversation | null>(null)
  const messages = ref<ThreadMessage[]>([])
  const olderCursor = ref<string | null>(null)
  const loading = ref(false)
  const loadingOlder = ref(false)
  const error = ref<string | null>(null)
  const classification = ref<ClassificationView | null>(null)
  const reclassifying = ref(false)
  const drafts = ref<Draft[]>([])
  const articleTitles = ref<Record<number, string>>({})
  const contact = ref<Contact | null>(null)
  const previous = ref<Conversation[]>([])
  const contactTyping = ref(false)
  /** The composer: its text, private-note mode and the draft it holds. */
  const composerText = ref('')
  const composerPrivate = ref(false)
  const acceptedDraftId = ref<number | null>(null)
  /** Bumped to ask the composer to take focus. */
  const focusRequest = ref(0)

  let loadSeq = 0
  const memory = createComposerMemory()
  const auth = useAuthStore()
  const memoryKey = (id: number) => `${auth.currentAccountId ?? 0}:${auth.user?.id ?? 0}:${id}`
  let reclassifyTimer: ReturnType<typeof setTimeout> | null = null

  const version = computed(() => conversation.value?.version ?? 0)
  const hasOlder = computed(() => olderCursor.value !== null)
  /** The newest draft, while it waits for a decision (older pending ones answer older messages). */
  const pendingDraft = computed(() => {
    const d = drafts.value[0]
    return d && d.status === 'pending' ? d : null
  })
  /** Pending drafts other than the one shown (they answer older messages), newest first. */
  const olderPendingDrafts = computed(() => drafts.value.filter((d) => d.status === 'pending' && d.id !== pendingDraft.value?.id))

  /** Takes a conversation snapshot unless it is older than the one held. */
  function applyConversation(c: Conversation): void {
    if (c.id !== conversationId.value) return
    if (conversation.value && c.version < conversation.value.version) return
    conversation.value = c
  }

  // ---- real-time (called by realtime/events.ts; features/conversation/threadRealtime.ts) ----

  const { clearTyping, ...live } = createRealtimeHandlers({
    conversationId,
    conversation,
    messages,
    classification,
    reclassifying,
    contactTyping,
    applyConversation,
    upsertDraft,
    loadArticleTitles,
  })

  // ---- loading --------------------------------------------------------------

  function reset(id: number | null): void {
    loadSeq++
    if (conversationId.value !== null) {
      memory.save(memoryKey(conversationId.value), {
        text: composerText.value,
        private: composerPrivate.value,
        draftId: acceptedDraftId.value,
      })
    }
    conversationId.value = id
    conversation.value = null
    messages.value = []
    olderCursor.value = null
    error.value = null
    classification.value = null
    reclassifying.value = false
    drafts.value = []
    contact.value = null
    previous.value = []
    composerText.value = ''
    composerPrivate.value = false
    acceptedDraftId.value = null
    const kept = id === null ? null : memory.take(memoryKey(id))
    if (kept) {
      composerText.value = kept.text
      composerPrivate.value = kept.private
      acceptedDraftId.value = kept.draftId
    }
    clearTyping()
  }

  /** Opens a conversation: everything is loaded afresh. */
  async function open(id: number): Promise<void> {
    if (conversationId.value === id && conversation.value) return
    reset(id)
    loading.value = true
    await load(id)
  }

  /** Closes the open conversation. */
  function close(): void {
    reset(null)
    loading.value = false
  }

  /** Reloads everything for the open conversation (after a reconnect); local unsent messages stay. */
  async function refetch(): Promise<void> {
    if (conversationId.value === null) return
    await load(conversationId.value)
  }

  async function load(id: number): Promise<void> {
    const seq = ++loadSeq
    const current = () => seq === loadSeq && conversationId.value === id
    const side = Promise.all([loadClassification(id, current), loadDrafts(id, current)])
    try {
      // The conversation before its messages: a message.created push whose
      // version is older than this snapshot is then already in the page.
      const conv = await getConversation(id)
      const page = await listMessages(id, { order: 'desc', limit: PAGE_SIZE })
      if (!current()) return
      if (conversation.value && conversation.value.version > conv.version) {
        // a push already brought something newer
      } else {
        conversation.value = conv
      }
      messages.value = mergePage(unconfirmed(messages.value), page.data)
      olderCursor.value = page.next_cursor
      error.value = null
      void loadContact(conv.contact_id, current)
    } catch (e) {
      if (current()) error.value = errorText(e)
    } finally {
      if (current()) loading.value = false
    }
    await side
  }

  async function loadClassification(id: number, current: () => boolean): Promise<void> {
    try {
      const c = await aiApi.getClassification(id)
      // A newer classification pushed meanwhile (conversation.classified) wins.
      if (current() && (classification.value === null || classification.value.id <= c.id)) classification.value = c
    } catch (e) {
      if (current() && e instanceof ApiError && e.status === 404) classification.value = null
    }
  }

  async function loadDrafts(id: number, current: () => boolean): Promise<void> {
    try {
      const fetched = await aiApi.listDrafts(id)
      if (!current()) return
      // Drafts pushed (draft.created) while the list was on its way are
      // newer than the answer: keep them beside it.
      const ids = new Set(fetched.map((x) => x.id))
      const list = [...fetched, ...drafts.value.filter((x) => !ids.has(x.id))].sort((a, b) => b.id - a.id)
      drafts.value = list
      // A draft taken into the composer earlier may have been decided since: the text stays, as a plain reply.
      const held = acceptedDraftId.value
      if (held !== null && !list.some((x) => x.id === held && x.status === 'pending')) acceptedDraftId.value = null
      const d = list[0]
      if (d && d.status === 'pending') void loadArticleTitles(d)
    } catch {
      // drafts are optional help; the thread works without them
    }
  }

  async function loadContact(contactId: number, current: () => boolean): Promise<void> {
    try {
      const [c, convs] = await Promise.all([getContact(contactId), listContactConversations(contactId)])
      if (!current()) return
      contact.value = c
      previous.value = convs.data.filter((x) => x.id !== conversationId.value)
    } catch {
      // the sidebar shows what the conversation row carries instead
    }
  }

  async function loadArticleTitles(d: Draft): Promise<void> {
    for (const id of d.articles ?? []) {
      if (articleTitles.value[id] !== undefined) continue
      try {
        const a = await aiApi.getArticleRef(id)
        articleTitles.value = { ...articleTitles.value, [id]: a.title }
      } catch {
        articleTitles.value = { ...articleTitles.value, [id]: `Article ${id}` }
      }
    }
  }

  /** Loads the page of messages before the oldest one shown. */
  async function loadOlder(): Promise<void> {
    const id = conversationId.value
    if (id === null || !olderCursor.value || loadingOlder.value) return
    loadingOlder.value = true
    try {
      const page = await listMessages(id, { order: 'desc', cursor: olderCursor.value, limit: PAGE_SIZE })
      if (conversationId.value !== id) return
      messages.value = mergePage(messages.value, page.data)
      olderCursor.value = page.next_cursor
    } catch (e) {
      error.value = errorText(e)
    } finally {
      loadingOlder.value = false
    }
  }

  // ---- sending (features/conversation/threadSender.ts) -----------------------------

  const sender = createSender({
    conversationId,
    conversation,
    messages,
    composerText,
    composerPrivate,
    acceptedDraftId,
    upsertDraft: (d) => upsertDraft(d),
    refetch: () => refetch(),
  })

  /** Sets the composer's text; emptying it forgets an accepted draft. */
  function setComposerText(text: string): void {
    composerText.value = text
    if (text.trim() === '') acceptedDraftId.value = null
  }

  // ---- drafts -------------------------------------------------------------------

  function upsertDraft(d: Draft): void {
    if (d.conversation_id !== conversationId.value) return
    const rest = drafts.value.filter((x) => x.id !== d.id)
    drafts.value = [d, ...rest].sort((a, b) => b.id - a.id)
  }

  /** Puts a draft's text into the composer; sending then accepts it. */
  function takeDraft(d: Draft | null = pendingDraft.value): void {
    if (!d) return
    composerText.value = d.content
    composerPrivate.value = false
    acceptedDraftId.value = d.id
    focusRequest.value++
  }

  async function rejectDraft(d: Draft | null = pendingDraft.value): Promise<void> {
    if (!d || conversationId.value === null) return
    try {
      upsertDraft(await aiApi.rejectDraft(conversationId.value, d.id))
      if (acceptedDraftId.value === d.id) acceptedDraftId.value = null
    } catch (e) {
      error.value = errorText(e)
    }
  }

  // ---- conversation actions -----------------------------------------------------------

  async function act(fn: (id: number) => Promise<Conversation>): Promise<boolean> {
    const id = conversationId.value
    if (id === null) return false
    try {
      const c = await fn(id)
      useConversationsStore().upsert(c)
      applyConversation(c)
      return true
    } catch (e) {
      error.value = errorText(e)
      return false
    }
  }

  const update = (patch: ConversationPatch) => act((id) => updateConversation(id, patch))
  const setStatus = (status: Conversation['status']) => update({ status })
  const snooze = (until: Date) => update({ status: 'snoozed', snoozed_until: until.toISOString() })
  const assign = (change: AssignmentChange) => act((id) => assignConversation(id, change))

  /** Corrects the AI's reading; the conversation follows (priority, category label, team). */
  async function correct(c: aiApi.ClassificationCorrection): Promise<boolean> {
    const id = conversationId.value
    if (id === null) return false
    try {
      const res = await aiApi.correctClassification(id, c)
      if (conversationId.value !== id) return false
      classification.value = res
      // The correction may move the category label or the priority: the
      // list row follows at once (the conversation.updated push confirms).
      const conv = await getConversation(id)
      useConversationsStore().upsert(conv)
      applyConversation(conv)
      return true
    } catch (e) {
      error.value = errorText(e)
      return false
    }
  }

  /** Asks for a new classification; it arrives as conversation.classified. */
  async function reclassify(): Promise<void> {
    const id = conversationId.value
    if (id === null) return
    try {
      await aiApi.reclassify(id)
      reclassifying.value = true
      if (reclassifyTimer) clearTimeout(reclassifyTimer)
      reclassifyTimer = setTimeout(() => {
        reclassifying.value = false
        if (conversationId.value === id) void loadClassification(id, () => conversationId.value === id)
      }, 30000)
    } catch (e) {
      error.value = errorText(e)
    }
  }

  return {
    conversationId,
    conversation,
    messages,
    olderCursor,
    hasOlder,
    loading,
    loadingOlder,
    error,
    classification,
    reclassifying,
    drafts,
    pendingDraft,
    olderPendingDrafts,
    articleTitles,
    contact,
    previous,
    contactTyping,
    composerText,
    composerPrivate,
    acceptedDraftId,
    focusRequest,
    version,
    open,
    close,
    refetch,
    loadOlder,
    setComposerText,
    send: sender.send,
    retry: sender.retry,
    discard: sender.discard,
    takeDraft,
    rejectDraft,
    setStatus,
    snooze,
    assign,
    update,
    correct,
    reclassify,
    // onMessageCreated, onConversationChanged, onClassified, onDraftCreated, onTyping
    ...live,
  }
})
