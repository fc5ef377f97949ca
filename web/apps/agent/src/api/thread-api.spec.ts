// Specs of the conversation view's API modules (messages, ai, contacts,
// and the header actions): paths, methods, queries and bodies against a
// stubbed global fetch.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installSession, ApiError } from '@/api/http'
import { createMessage, listMessages } from '@/api/messages'
import {
  acceptDraft,
  correctClassification,
  getArticleRef,
  getClassification,
  listDrafts,
  reclassify,
  rejectDraft,
} from '@/api/ai'
import { getContact, listContactConversations } from '@/api/contacts'
import { assignConversation, updateConversation } from '@/api/conversations'

interface Call {
  url: string
  method: string
  body: unknown
}

let calls: Call[] = []
let answers: { status: number; body?: unknown }[] = []

beforeEach(() => {
  calls = []
  answers = []
  installSession({ accessToken: () => 'tok', accountId: () => 3, refresh: async () => false, expired: () => {} })
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, method: init.method ?? 'GET', body: init.body === undefined ? undefined : JSON.parse(String(init.body)) })
      const a = answers.shift() ?? { status: 200, body: { data: [], next_cursor: null } }
      return new Response(JSON.stringify(a.body ?? {}), { status: a.status, headers: { 'Content-Type': 'application/json' } })
    }),
  )
})

afterEach(() => {
  vi.unstubAllGlobals()
})

const last = () => calls[calls.length - 1]!

describe('messages', () => {
  it('pages newest first with a cursor', async () => {
    await listMessages(9, { order: 'desc', cursor: 'abc', limit: 30 })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/3/conversations/9/messages?order=desc&cursor=abc&limit=30', method: 'GET' })
    await listMessages(9)
    expect(last().url).toBe('/api/v1/accounts/3/conversations/9/messages')
  })

  it('posts a reply with its idempotency key, and a note as private', async () => {
    await createMessage(9, { content: 'Hi\nthere', idempotency_key: 'echo-1' })
    expect(last()).toMatchObject({
      url: '/api/v1/accounts/3/conversations/9/messages',
      method: 'POST',
      body: { content: 'Hi\nthere', idempotency_key: 'echo-1' },
    })
    expect(last().body).not.toHaveProperty('private')
    await createMessage(9, { content: 'note', private: true })
    expect(last().body).toEqual({ content: 'note', private: true })
  })
})

describe('ai', () => {
  it('gets, corrects and re-runs the classification', async () => {
    await getClassification(4)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/3/conversations/4/classification', method: 'GET' })
    await correctClassification(4, { category: 'billing', team_id: 2 })
    expect(last()).toMatchObject({
      url: '/api/v1/accounts/3/conversations/4/classification',
      method: 'PATCH',
      body: { category: 'billing', team_id: 2 },
    })
    answers.push({ status: 202, body: { conversation_id: 4, message_id: 8, run: 1 } })
    expect(await reclassify(4)).toEqual({ conversation_id: 4, message_id: 8, run: 1 })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/3/conversations/4/ai/classify', method: 'POST' })
  })

  it('answers 404 as an ApiError when nothing is classified yet', async () => {
    answers.push({ status: 404, body: { type: 'urn:hummdesk:problem:not-found', title: 'Not Found', status: 404, detail: 'no classification' } })
    await expect(getClassification(4)).rejects.toBeInstanceOf(ApiError)
  })

  it('lists, accepts (with the final content) and rejects drafts', async () => {
    answers.push({ status: 200, body: { data: [{ id: 5, status: 'pending' }] } })
    expect(await listDrafts(4)).toEqual([{ id: 5, status: 'pending' }])
    expect(last()).toMatchObject({ url: '/api/v1/accounts/3/conversations/4/drafts', method: 'GET' })
    await acceptDraft(4, 5, 'edited text')
    expect(last()).toMatchObject({ url: '/api/v1/accounts/3/conversations/4/drafts/5/accept', method: 'POST', body: { content: 'edited text' } })
    await acceptDraft(4, 5)
    expect(last().body).toEqual({})
    await rejectDraft(4, 5)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/3/conversations/4/drafts/5/reject', method: 'POST' })
  })

  it('gets an article title', async () => {
    answers.push({ status: 200, body: { id: 11, title: 'Refunds', content: '…' } })
    expect(await getArticleRef(11)).toEqual({ id: 11, title: 'Refunds' })
    expect(last().url).toBe('/api/v1/accounts/3/knowledge_base/articles/11')
  })
})

describe('contacts', () => {
  it('gets the contact and their conversations of every status', async () => {
    await getContact(6)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/3/contacts/6', method: 'GET' })
    await listContactConversations(6, 5)
    expect(last().url).toBe('/api/v1/accounts/3/conversations?contact_id=6&status=all&limit=5')
  })
})

describe('conversation actions', () => {
  it('patches status with snoozed_until and posts assignments (null unassigns)', async () => {
    await updateConversation(4, { status: 'snoozed', snoozed_until: '2030-01-01T09:00:00.000Z' })
    expect(last()).toMatchObject({
      url: '/api/v1/accounts/3/conversations/4',
      method: 'PATCH',
      body: { status: 'snoozed', snoozed_until: '2030-01-01T09:00:00.000Z' },
    })
    await assignConversation(4, { assignee_id: null })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/3/conversations/4/assignments', method: 'POST', body: { assignee_id: null } })
    await assignConversation(4, { team_id: 2 })
    expect(last().body).toEqual({ team_id: 2 })
  })
})
