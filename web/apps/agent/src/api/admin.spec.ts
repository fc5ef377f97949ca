// Specs of the admin API modules: paths, methods and bodies against a
// stubbed global fetch; the AI API key is never sent when left empty.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { installSession } from '@/api/http'
import { allPages, getAccount, updateAccount } from '@/api/account'
import { addAgent, listAgents, removeAgent, updateAgent } from '@/api/agents'
import { addTeamMember, createTeam, deleteTeam, listTeamMembers, removeTeamMember, updateTeam } from '@/api/teams'
import { createInbox, deleteInbox, listInboxes, updateInbox } from '@/api/inboxes'
import { createArticle, deleteArticle, listAllArticles, listChunks, searchKB, updateArticle } from '@/api/kb'
import { getAIMetrics, getAISettings, removeAPIKey, updateAISettings } from '@/api/aiSettings'

interface Call {
  url: string
  method: string
  body: unknown
  headers: Record<string, string>
}

let calls: Call[] = []
let answers: { status: number; body?: unknown }[] = []

function respond(status: number, body?: unknown): Response {
  if (status === 204) return new Response(null, { status })
  return new Response(JSON.stringify(body ?? {}), { status, headers: { 'Content-Type': 'application/json' } })
}

beforeEach(() => {
  calls = []
  answers = []
  installSession({ accessToken: () => 'tok', accountId: () => 7, refresh: async () => false, expired: () => {} })
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({
        url,
        method: init.method ?? 'GET',
        body: init.body === undefined ? undefined : JSON.parse(String(init.body)),
        headers: init.headers as Record<string, string>,
      })
      const a = answers.shift() ?? { status: 200, body: { data: [], next_cursor: null } }
      return respond(a.status, a.body)
    }),
  )
})

afterEach(() => {
  vi.unstubAllGlobals()
})

const last = () => calls[calls.length - 1]!

describe('account', () => {
  it('gets and renames the account', async () => {
    await getAccount()
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7', method: 'GET' })
    await updateAccount({ name: 'Acme' })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7', method: 'PATCH', body: { name: 'Acme' } })
    expect(last().headers.Authorization).toBe('Bearer tok')
  })

  it('allPages follows next_cursor to the end', async () => {
    answers = [
      { status: 200, body: { data: [1, 2], next_cursor: 'abc' } },
      { status: 200, body: { data: [3], next_cursor: null } },
    ]
    const rows = await allPages<number>('/x', { limit: 2 })
    expect(rows).toEqual([1, 2, 3])
    expect(calls.map((c) => c.url)).toEqual(['/x?limit=2', '/x?limit=2&cursor=abc'])
  })
})

describe('agents', () => {
  it('lists, invites, updates and removes', async () => {
    answers = [{ status: 200, body: { data: [{ id: 1 }], next_cursor: null } }]
    expect(await listAgents()).toEqual([{ id: 1 }])
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/agents', method: 'GET' })

    await addAgent({ email: ' new@x.io ', role: 'agent', name: ' New ', password: 'secret123', max_concurrent: 3 })
    expect(last()).toMatchObject({
      url: '/api/v1/accounts/7/agents',
      method: 'POST',
      body: { email: 'new@x.io', role: 'agent', name: 'New', password: 'secret123', max_concurrent: 3 },
    })

    await addAgent({ email: 'old@x.io', role: 'administrator', name: '', password: '' })
    expect(last().body).toEqual({ email: 'old@x.io', role: 'administrator' })

    await updateAgent(4, { role: 'administrator', max_concurrent: 5 })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/agents/4', method: 'PATCH', body: { role: 'administrator', max_concurrent: 5 } })

    answers = [{ status: 204 }]
    await removeAgent(4)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/agents/4', method: 'DELETE', body: undefined })
  })

  it('turns a problem answer into ApiError with field errors', async () => {
    answers = [
      {
        status: 422,
        body: { type: 'urn:hummdesk:problem:validation-error', detail: 'validation failed', errors: [{ message: 'name is required for a new user', location: 'body.name' }] },
      },
    ]
    await expect(addAgent({ email: 'n@x.io', role: 'agent' })).rejects.toMatchObject({
      status: 422,
      kind: 'validation-error',
      errors: [{ location: 'body.name' }],
    })
  })
})

describe('teams', () => {
  it('CRUD and members', async () => {
    await createTeam({ name: 'Billing', description: 'Invoices' })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/teams', method: 'POST', body: { name: 'Billing', description: 'Invoices' } })
    await updateTeam(2, { name: 'Money' })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/teams/2', method: 'PATCH', body: { name: 'Money' } })
    answers = [{ status: 204 }]
    await deleteTeam(2)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/teams/2', method: 'DELETE' })
    await listTeamMembers(3)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/teams/3/members', method: 'GET' })
    answers = [{ status: 204 }]
    await addTeamMember(3, 9)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/teams/3/members', method: 'POST', body: { agent_id: 9 } })
    answers = [{ status: 204 }]
    await removeTeamMember(3, 9)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/teams/3/members/9', method: 'DELETE' })
  })
})

describe('inboxes', () => {
  it('CRUD', async () => {
    await listInboxes()
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/inboxes', method: 'GET' })
    await createInbox({ name: 'Site', channel_type: 'web_widget', greeting: 'Hi', hmac_mandatory: true })
    expect(last()).toMatchObject({
      url: '/api/v1/accounts/7/inboxes',
      method: 'POST',
      body: { name: 'Site', channel_type: 'web_widget', greeting: 'Hi', hmac_mandatory: true },
    })
    await updateInbox(5, { hmac_mandatory: false })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/inboxes/5', method: 'PATCH', body: { hmac_mandatory: false } })
    answers = [{ status: 200, body: { id: 5, prechat_enabled: false, prechat_require_email: true, prechat_message: 'Hi' } }]
    const u = await updateInbox(5, { prechat_enabled: false, prechat_require_email: true, prechat_message: 'Hi' })
    expect(last().body).toEqual({ prechat_enabled: false, prechat_require_email: true, prechat_message: 'Hi' })
    expect(u).toMatchObject({ prechat_enabled: false, prechat_require_email: true, prechat_message: 'Hi' })
    await createInbox({ name: 'Quiet', channel_type: 'web_widget', prechat_enabled: false })
    expect(last().body).toEqual({ name: 'Quiet', channel_type: 'web_widget', prechat_enabled: false })
    answers = [{ status: 204 }]
    await deleteInbox(5)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/inboxes/5', method: 'DELETE' })
  })
})

describe('knowledge base', () => {
  it('articles, chunks and search', async () => {
    answers = [
      { status: 200, body: { data: [{ id: 3 }], next_cursor: 'c1' } },
      { status: 200, body: { data: [{ id: 2 }], next_cursor: null } },
    ]
    expect((await listAllArticles()).map((a) => a.id)).toEqual([3, 2])
    expect(calls.map((c) => c.url)).toEqual([
      '/api/v1/accounts/7/knowledge_base/articles?limit=100',
      '/api/v1/accounts/7/knowledge_base/articles?limit=100&cursor=c1',
    ])
    await createArticle({ title: 'T', content: 'C', tags: ['a'], published: true })
    expect(last()).toMatchObject({ method: 'POST', body: { title: 'T', content: 'C', tags: ['a'], published: true } })
    await updateArticle(3, { published: false })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/knowledge_base/articles/3', method: 'PATCH', body: { published: false } })
    answers = [{ status: 204 }]
    await deleteArticle(3)
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/knowledge_base/articles/3', method: 'DELETE' })
    await listChunks(3)
    expect(last().url).toBe('/api/v1/accounts/7/knowledge_base/articles/3/chunks')
    answers = [{ status: 200, body: { query: 'refund', embedder: 'local', data: [] } }]
    await searchKB({ q: 'refund policy', limit: 10 })
    expect(last().url).toBe('/api/v1/accounts/7/knowledge_base/search?q=refund+policy&limit=10')
  })
})

describe('AI settings', () => {
  it('never sends an empty API key', async () => {
    await getAISettings()
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/ai/settings', method: 'GET' })
    await updateAISettings({ provider: 'openai', model: 'm', threshold: 0.7, api_key: '' })
    expect(last()).toMatchObject({ url: '/api/v1/accounts/7/ai/settings', method: 'PATCH' })
    expect(last().body).toEqual({ provider: 'openai', model: 'm', threshold: 0.7 })
    expect(last().body).not.toHaveProperty('api_key')
    await updateAISettings({ auto_assign: false })
    expect(last().body).toEqual({ auto_assign: false })
  })

  it('sends a typed key, and removes one explicitly', async () => {
    await updateAISettings({ api_key: 'sk-123' })
    expect(last().body).toEqual({ api_key: 'sk-123' })
    await removeAPIKey()
    expect(last().body).toEqual({ api_key: '' })
  })

  it('gets metrics', async () => {
    await getAIMetrics()
    expect(last().url).toBe('/api/v1/accounts/7/ai/metrics')
    await getAIMetrics(7)
    expect(last().url).toBe('/api/v1/accounts/7/ai/metrics?days=7')
  })
})
