// Specs of the thread store: optimistic sends reconciled by id and echo id
// (never shown twice), failure and retry with the same key, the guards on
// pushes (other conversations, older versions), the typing timeout, and the
// draft flow (use draft → edit → send goes through .../accept).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Conversation, Draft, Message, RealtimeEvent } from '@shared/types/api'

const api = vi.hoisted(() => ({
  getConversation: vi.fn(),
  listMessages: vi.fn(),
  createMessage: vi.fn(),
  getClassification: vi.fn(),
  listDrafts: vi.fn(),
  acceptDraft: vi.fn(),
  rejectDraft: vi.fn(),
  correctClassification: vi.fn(),
  reclassify: vi.fn(),
  getArticleRef: vi.fn(),
  getContact: vi.fn(),
  listContactConversations: vi.fn(),
  updateConversation: vi.fn(),
  assignConversation: vi.fn(),
  upsert: vi.fn(),
}))

vi.mock('@/api/conversations', () => ({
  getConversation: api.getConversation,
  updateConversation: api.updateConversation,
  assignConversation: api.assignConversation,
}))
vi.mock('@/api/messages', () => ({ listMessages: api.listMessages, createMessage: api.createMessage }))
vi.mock('@/api/ai', () => ({
  getClassification: api.getClassification,
  listDrafts: api.listDrafts,
  acceptDraft: api.acceptDraft,
  rejectDraft: api.rejectDraft,
  correctClassification: api.correctClassification,
  reclassify: api.reclassify,
  getArticleRef: api.getArticleRef,
}))
vi.mock('@/api/contacts', () => ({ getContact: api.getContact, listContactConversations: api.listContactConversations }))
vi.mock('@/stores/conversations', () => ({ useConversationsStore: () => ({ upsert: api.upsert }) }))

import { TYPING_TIMEOUT_MS, useThreadStore } from '@/stores/thread'

function conv(version: number, over: Partial<Conversation> = {}): Conversation {
  return {
    id: 1, account_id: 1, display_id: 1, inbox_id: 1, contact_id: 2, status: 'open', priority: 'normal',
    assignee_id: null, team_id: null, snoozed_until: null, last_activity_at: '2026-01-01T00:00:00Z',
    created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z', version, labels: [],
    contact: { id: 2, name: 'Ada', email: 'ada@example.com', phone: '' }, assignee: null, team: null, last_message: null,
    ...over,
  }
}

function msg(id: number, over: Partial<Message> = {}): Message {
  return { id, account_id: 1, conversation_id: 1, sender_type: 'contact', sender_id: null, content: `m${id}`, private: false,
    created_at: '2026-01-01T00:00:00Z', ...over }
}

function draft(id: number, over: Partial<Draft> = {}): Draft {
  return { id, conversation_id: 1, message_id: 2, classification_id: null, provider: 'local', model: '', prompt_version: '',
    language: 'en', content: 'Here is how to fix it.', articles: [], status: 'pending', edit_distance: null,
    sent_message_id: null, decided_by: null, latency_ms: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0, notes: '',
    created_at: '', updated_at: '', ...over }
}

function ev<T>(type: string, data: T, version?: number, conversationId = 1): RealtimeEvent {
  return { id: 1, type, account_id: 1, conversation_id: conversationId, version, data, created_at: '' } as unknown as RealtimeEvent
}

/** A promise with its resolve/reject handles. */
function deferred<T>() {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

async function opened() {
  const t = useThreadStore()
  await t.open(1)
  return t
}

beforeEach(() => {
  setActivePinia(createPinia())
  for (const f of Object.values(api)) f.mockReset()
  api.getConversation.mockResolvedValue(conv(5))
  api.listMessages.mockResolvedValue({ data: [msg(2), msg(1)], next_cursor: 'older' })
  api.getClassification.mockRejectedValue(Object.assign(new Error('none'), { status: 404 }))
  api.listDrafts.mockResolvedValue([])
  api.getContact.mockResolvedValue({ id: 2, name: 'Ada', email: 'ada@example.com', phone: '', identifier: '', custom_attributes: {}, created_at: '', updated_at: '' })
  api.listContactConversations.mockResolvedValue({ data: [conv(5), conv(2, { id: 9 })], next_cursor: null })
})

afterEach(() => {
  vi.useRealTimers()
})

describe('loading', () => {
  it('shows the newest page oldest first, the contact and the other conversations', async () => {
    const t = await opened()
    expect(api.listMessages).toHaveBeenCalledWith(1, { order: 'desc', limit: 30 })
    expect(t.messages.map((m) => m.id)).toEqual([1, 2])
    expect(t.hasOlder).toBe(true)
    await vi.waitFor(() => expect(t.previous.map((c) => c.id)).toEqual([9]))
  })

  it('prepends older pages without duplicates', async () => {
    const t = await opened()
    api.listMessages.mockResolvedValueOnce({ data: [msg(1), msg(0)], next_cursor: null })
    await t.loadOlder()
    expect(api.listMessages).toHaveBeenLastCalledWith(1, { order: 'desc', cursor: 'older', limit: 30 })
    expect(t.messages.map((m) => m.id)).toEqual([0, 1, 2])
    expect(t.hasOlder).toBe(false)
  })
})

describe('optimistic send', () => {
  it('shows the message at once, then replaces it with the server answer', async () => {
    const t = await opened()
    const post = deferred<Message>()
    api.createMessage.mockReturnValueOnce(post.promise)
    t.setComposerText('Hello\nworld')
    const sending = t.send()
    expect(t.composerText).toBe('')
    const local = t.messages[t.messages.length - 1]!
    expect(local).toMatchObject({ pending: true, content: 'Hello\nworld', sender_type: 'agent' })
    const key = api.createMessage.mock.calls[0]![1].idempotency_key as string
    expect(key).toBe(local.echo_id)
    post.resolve(msg(10, { sender_type: 'agent', content: 'Hello\nworld', idempotency_key: key }))
    await sending
    expect(t.messages.map((m) => m.id)).toEqual([1, 2, 10])
    expect(t.messages[2]!.pending).toBeFalsy()
  })

  it('keeps one message when the push arrives before the POST answer', async () => {
    const t = await opened()
    const post = deferred<Message>()
    api.createMessage.mockReturnValueOnce(post.promise)
    const sending = t.send('Hi')
    const key = api.createMessage.mock.calls[0]![1].idempotency_key as string
    const saved = msg(10, { sender_type: 'agent', content: 'Hi', idempotency_key: key })
    t.onMessageCreated(ev('message.created', saved, 6))
    expect(t.messages.filter((m) => m.content === 'Hi')).toHaveLength(1)
    post.resolve(saved)
    await sending
    expect(t.messages.map((m) => m.id)).toEqual([1, 2, 10])
  })

  it('keeps one message when the push arrives after the POST answer', async () => {
    const t = await opened()
    api.createMessage.mockImplementationOnce(async (_id: number, b: { idempotency_key: string }) =>
      msg(10, { sender_type: 'agent', content: 'Hi', idempotency_key: b.idempotency_key }),
    )
    await t.send('Hi')
    t.onMessageCreated(ev('message.created', msg(10, { sender_type: 'agent', content: 'Hi' }), 6))
    expect(t.messages.map((m) => m.id)).toEqual([1, 2, 10])
  })

  it('marks a failed send, and retries it with the same idempotency key', async () => {
    const t = await opened()
    api.createMessage.mockRejectedValueOnce(new Error('network down'))
    await t.send('Hi', true)
    const failed = t.messages[t.messages.length - 1]!
    expect(failed).toMatchObject({ failed: true, pending: false, private: true, error: 'network down' })
    api.createMessage.mockResolvedValueOnce(msg(11, { sender_type: 'agent', content: 'Hi', private: true }))
    await t.retry(failed.echo_id!)
    expect(api.createMessage.mock.calls[1]![1]).toEqual(api.createMessage.mock.calls[0]![1])
    expect(api.createMessage.mock.calls[1]![1]).toMatchObject({ private: true, idempotency_key: failed.echo_id })
    expect(t.messages.map((m) => [m.id, !!m.failed])).toEqual([[1, false], [2, false], [11, false]])
  })
})

describe('push guards', () => {
  it('ignores events of other conversations', async () => {
    const t = await opened()
    t.onMessageCreated(ev('message.created', msg(50, { conversation_id: 2 }), 9, 2))
    t.onConversationChanged(ev('conversation.updated', conv(9, { id: 2, status: 'resolved' }), 9, 2))
    expect(t.messages.map((m) => m.id)).toEqual([1, 2])
    expect(t.conversation?.status).toBe('open')
  })

  it('drops conversation snapshots older than the one held, and takes newer ones', async () => {
    const t = await opened()
    t.onConversationChanged(ev('conversation.status_changed', conv(4, { status: 'resolved' }), 4))
    expect(t.conversation).toMatchObject({ version: 5, status: 'open' })
    t.onConversationChanged(ev('conversation.assigned', conv(7, { assignee_id: 3 }), 7))
    expect(t.conversation).toMatchObject({ version: 7, assignee_id: 3 })
    t.onConversationChanged(ev('conversation.updated', conv(6, { assignee_id: null }), 6))
    expect(t.conversation?.assignee_id).toBe(3)
  })

  it('drops a message push older than the conversation held', async () => {
    const t = await opened()
    t.onMessageCreated(ev('message.created', msg(3), 4))
    expect(t.messages.map((m) => m.id)).toEqual([1, 2])
    t.onMessageCreated(ev('message.created', msg(3), 6))
    expect(t.messages.map((m) => m.id)).toEqual([1, 2, 3])
  })

  it('keeps a classification pushed while the GET was on its way', async () => {
    const slow = deferred<unknown>()
    api.getClassification.mockReturnValueOnce(slow.promise)
    const t = useThreadStore()
    const opening = t.open(1)
    t.onClassified(ev('conversation.classified', { id: 8, conversation_id: 1, category: 'billing' }, 6))
    slow.resolve({ id: 7, conversation_id: 1, category: 'sales', corrections: [] })
    await opening
    await Promise.resolve()
    expect(t.classification).toMatchObject({ id: 8, category: 'billing' })
  })

  it('keeps the newest classification', async () => {
    const t = await opened()
    t.onClassified(ev('conversation.classified', { id: 8, conversation_id: 1, category: 'billing' }, 6))
    t.onClassified(ev('conversation.classified', { id: 7, conversation_id: 1, category: 'sales' }, 6))
    expect(t.classification).toMatchObject({ id: 8, category: 'billing', corrections: [] })
  })
})

describe('typing', () => {
  it('shows the contact typing until stopped, a message, or the timeout', async () => {
    const t = await opened()
    vi.useFakeTimers()
    t.onTyping({ type: 'typing', conversation_id: 1, typing: true, sender_type: 'contact' })
    expect(t.contactTyping).toBe(true)
    t.onTyping({ type: 'typing', conversation_id: 1, typing: false, sender_type: 'contact' })
    expect(t.contactTyping).toBe(false)
    t.onTyping({ type: 'typing', conversation_id: 1, typing: true, sender_type: 'contact' })
    vi.advanceTimersByTime(TYPING_TIMEOUT_MS - 100)
    expect(t.contactTyping).toBe(true)
    vi.advanceTimersByTime(200)
    expect(t.contactTyping).toBe(false)
    t.onTyping({ type: 'typing', conversation_id: 1, typing: true, sender_type: 'contact' })
    t.onMessageCreated(ev('message.created', msg(3), 6))
    expect(t.contactTyping).toBe(false)
  })

  it('ignores agents typing and other conversations', async () => {
    const t = await opened()
    t.onTyping({ type: 'typing', conversation_id: 1, typing: true, sender_type: 'agent', sender_id: 4 })
    t.onTyping({ type: 'typing', conversation_id: 2, typing: true, sender_type: 'contact' })
    expect(t.contactTyping).toBe(false)
  })
})

describe('drafts', () => {
  it('puts a draft into the composer and sends the edited text through accept', async () => {
    const t = await opened()
    t.onDraftCreated(ev('draft.created', draft(4), 5))
    expect(t.pendingDraft?.id).toBe(4)
    t.takeDraft()
    expect(t.composerText).toBe('Here is how to fix it.')
    expect(t.acceptedDraftId).toBe(4)
    t.setComposerText('Here is how to fix it, Ada.')
    api.acceptDraft.mockResolvedValueOnce({
      draft: draft(4, { status: 'edited', edit_distance: 5, sent_message_id: 12 }),
      message: msg(12, { sender_type: 'agent', content: 'Here is how to fix it, Ada.' }),
    })
    await t.send()
    expect(api.acceptDraft).toHaveBeenCalledWith(1, 4, 'Here is how to fix it, Ada.')
    expect(api.createMessage).not.toHaveBeenCalled()
    expect(t.pendingDraft).toBeNull()
    expect(t.acceptedDraftId).toBeNull()
    expect(t.messages.map((m) => m.id)).toEqual([1, 2, 12])
  })

  it('forgets the draft when the composer is emptied, and sends notes as messages', async () => {
    const t = await opened()
    t.onDraftCreated(ev('draft.created', draft(4), 5))
    t.takeDraft()
    t.setComposerText('')
    expect(t.acceptedDraftId).toBeNull()
    t.takeDraft()
    api.createMessage.mockResolvedValueOnce(msg(13, { sender_type: 'agent', private: true }))
    await t.send('internal', true)
    expect(api.acceptDraft).not.toHaveBeenCalled()
    expect(api.createMessage).toHaveBeenCalledTimes(1)
  })

  it('rejects a draft', async () => {
    const t = await opened()
    t.onDraftCreated(ev('draft.created', draft(4), 5))
    api.rejectDraft.mockResolvedValueOnce(draft(4, { status: 'rejected' }))
    await t.rejectDraft()
    expect(api.rejectDraft).toHaveBeenCalledWith(1, 4)
    expect(t.pendingDraft).toBeNull()
  })
})

describe('actions', () => {
  it('snoozes until a time and takes the answer', async () => {
    const t = await opened()
    api.updateConversation.mockResolvedValueOnce(conv(6, { status: 'snoozed', snoozed_until: '2030-01-01T09:00:00.000Z' }))
    await t.snooze(new Date('2030-01-01T09:00:00.000Z'))
    expect(api.updateConversation).toHaveBeenCalledWith(1, { status: 'snoozed', snoozed_until: '2030-01-01T09:00:00.000Z' })
    expect(t.conversation?.status).toBe('snoozed')
    expect(api.upsert).toHaveBeenCalled()
  })
})

describe('pending draft', () => {
  it('keeps a draft pushed while the drafts were loading', async () => {
    const list = deferred<Draft[]>()
    api.listDrafts.mockReturnValueOnce(list.promise)
    const t = useThreadStore()
    const opening = t.open(1)
    // The draft job finishes while the page's GET .../drafts is on its way,
    // and the answer (read before the draft existed) comes back empty.
    t.onDraftCreated(ev('draft.created', draft(6), 5))
    list.resolve([])
    await opening
    await vi.waitFor(() => expect(t.pendingDraft?.id).toBe(6))
  })

  it('is the newest draft only while it is pending', async () => {
    api.listDrafts.mockResolvedValueOnce([draft(5, { status: 'accepted' }), draft(4)])
    const t = await opened()
    expect(t.pendingDraft).toBeNull()
    t.onDraftCreated(ev('draft.created', draft(6), 5))
    expect(t.pendingDraft?.id).toBe(6)
  })
})

describe('composer per conversation', () => {
  it('keeps unsent text, note mode and taken draft while switching conversations', async () => {
    api.listDrafts.mockResolvedValue([draft(4)])
    const t = await opened()
    t.takeDraft()
    t.setComposerText('Half a reply')
    api.getConversation.mockResolvedValue(conv(1, { id: 2 }))
    api.listDrafts.mockResolvedValue([])
    await t.open(2)
    expect(t.composerText).toBe('')
    expect(t.acceptedDraftId).toBeNull()
    t.setComposerText('a note for two')
    t.composerPrivate = true
    api.getConversation.mockResolvedValue(conv(5))
    api.listDrafts.mockResolvedValue([draft(4)])
    await t.open(1)
    expect(t.composerText).toBe('Half a reply')
    expect(t.acceptedDraftId).toBe(4)
    expect(t.composerPrivate).toBe(false)
    t.close()
    api.getConversation.mockResolvedValue(conv(1, { id: 2 }))
    await t.open(2)
    expect(t.composerText).toBe('a note for two')
    expect(t.composerPrivate).toBe(true)
  })

  it('forgets the text once sent, and a taken draft decided meanwhile', async () => {
    api.listDrafts.mockResolvedValue([draft(4)])
    const t = await opened()
    t.takeDraft()
    api.getConversation.mockResolvedValue(conv(1, { id: 2 }))
    await t.open(2)
    t.setComposerText('sent soon')
    api.createMessage.mockResolvedValueOnce(msg(20, { conversation_id: 2, sender_type: 'agent' }))
    await t.send()
    api.getConversation.mockResolvedValue(conv(5))
    api.listDrafts.mockResolvedValue([draft(4, { status: 'rejected' })])
    await t.open(1)
    expect(t.composerText).toBe('Here is how to fix it.')
    expect(t.acceptedDraftId).toBeNull()
    api.getConversation.mockResolvedValue(conv(1, { id: 2 }))
    await t.open(2)
    expect(t.composerText).toBe('')
  })
})

describe('older pending drafts', () => {
  it('lists pending drafts other than the newest', async () => {
    api.listDrafts.mockResolvedValueOnce([draft(7), draft(5, { status: 'rejected' }), draft(4), draft(3)])
    const t = await opened()
    expect(t.pendingDraft?.id).toBe(7)
    expect(t.olderPendingDrafts.map((d) => d.id)).toEqual([4, 3])
    t.takeDraft(t.olderPendingDrafts[1]!)
    expect(t.acceptedDraftId).toBe(3)
  })
})
