import { describe, expect, it } from 'vitest'
import { ApiError, newKey, WidgetApi } from './api'

type Call = { url: string; init: RequestInit }

function fake(responses: ((c: Call) => Response)[]) {
  const calls: Call[] = []
  const f = async (url: string, init: RequestInit) => {
    const c = { url, init }
    calls.push(c)
    const r = responses.shift()
    if (!r) throw new TypeError('Failed to fetch')
    return r(c)
  }
  return { calls, f }
}
const failure = (p: Promise<unknown>): Promise<ApiError> =>
  p.then(() => { throw new Error('expected a failure') }, (e: ApiError) => e)
const json = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

describe('WidgetApi', () => {
  it('calls the inbox routes on the script origin with the contact token', async () => {
    const { calls, f } = fake([json(201, { id: 3, content: 'hi' })])
    const api = new WidgetApi('https://desk.example', 'in box', f)
    api.contactToken = 'ct'
    await api.postMessage(7, 'hi', 'key-1')
    expect(calls[0]!.url).toBe('https://desk.example/api/v1/widget/in%20box/conversations/7/messages')
    expect(calls[0]!.init.method).toBe('POST')
    expect((calls[0]!.init.headers as Record<string, string>)['X-Contact-Token']).toBe('ct')
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ content: 'hi', idempotency_key: 'key-1' })
    expect(calls[0]!.init.credentials).toBe('omit')
  })

  it('starts a session without an empty email', async () => {
    const { calls, f } = fake([json(201, { contact_token: 't' })])
    await new WidgetApi('http://h', 'tok', f).startSession('Ada', '')
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ name: 'Ada' })
    expect((calls[0]!.init.headers as Record<string, string>)['X-Contact-Token']).toBeUndefined()
  })

  it('turns problems and network failures into ApiError', async () => {
    const { f } = fake([json(401, { detail: 'invalid contact token for this inbox' }), json(429, { title: 'Too Many Requests' }), json(422, {})])
    const api = new WidgetApi('http://h', 'tok', f)
    const e1 = await failure(api.conversations())
    expect(e1).toBeInstanceOf(ApiError)
    expect([e1.status, e1.message, e1.sessionEnded, e1.retriable]).toEqual([401, 'invalid contact token for this inbox', true, false])
    const e2 = await failure(api.conversations())
    expect([e2.status, e2.retriable]).toEqual([429, true])
    const e3 = await failure(api.conversations())
    expect([e3.status, e3.retriable]).toEqual([422, false])
    const e4 = await failure(api.conversations())
    expect([e4.status, e4.retriable]).toEqual([0, true])
  })

  it('pages back until it reaches the last known message', async () => {
    const m = (id: number) => ({ id, conversation_id: 1, content: 'm' + id, sender_type: 'agent', created_at: '' })
    const { calls, f } = fake([
      json(200, { data: [m(9), m(8), m(7)], next_cursor: 'c1' }),
      json(200, { data: [m(6), m(5), m(4)], next_cursor: 'c2' }),
    ])
    const got = await new WidgetApi('http://h', 'tok', f).messagesSince(1, 5)
    expect(got.map((x) => x.id)).toEqual([6, 7, 8, 9])
    expect(calls.map((c) => c.url.split('?')[1])).toEqual(['order=desc&limit=50', 'order=desc&cursor=c1&limit=50'])
  })

  it('makes distinct idempotency keys', () => {
    const a = newKey()
    expect(a.length).toBeGreaterThanOrEqual(32)
    expect(newKey()).not.toBe(a)
  })
})
