// http.ts: problem+json answers become ApiError; a 401 triggers one shared
// refresh and one retry; a failed refresh ends the session.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, accountPath, http, installSession } from '@/api/http'

function json(status: number, body: unknown, type = 'application/json'): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': type } })
}

describe('http', () => {
  let token = 'old'
  const refresh = vi.fn<() => Promise<boolean>>()
  const expired = vi.fn()
  const fetchMock = vi.fn<typeof fetch>()

  beforeEach(() => {
    token = 'old'
    refresh.mockReset()
    expired.mockReset()
    fetchMock.mockReset()
    vi.stubGlobal('fetch', fetchMock)
    installSession({ accessToken: () => token, accountId: () => 7, refresh, expired })
  })
  afterEach(() => vi.unstubAllGlobals())

  it('turns problem+json into ApiError', async () => {
    fetchMock.mockResolvedValueOnce(
      json(
        422,
        {
          type: 'urn:hummdesk:problem:validation-error',
          title: 'Unprocessable Entity',
          status: 422,
          detail: 'validation failed',
          errors: [{ message: 'bad', location: 'body.status' }],
        },
        'application/problem+json',
      ),
    )
    const err = await http.get('/api/v1/x').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    expect(e.status).toBe(422)
    expect(e.kind).toBe('validation-error')
    expect(e.detail).toBe('validation failed')
    expect(e.errors[0]?.location).toBe('body.status')
  })

  it('keeps the status when the error body is not JSON', async () => {
    fetchMock.mockResolvedValueOnce(new Response('oops', { status: 502 }))
    const e = (await http.get('/x').catch((x: unknown) => x)) as ApiError
    expect(e.status).toBe(502)
    expect(e.message).toBe('HTTP 502')
  })

  it('refreshes once on 401 and retries with the new token', async () => {
    fetchMock.mockResolvedValueOnce(json(401, { title: 'Unauthorized', status: 401 }))
    fetchMock.mockResolvedValueOnce(json(200, { ok: true }))
    refresh.mockImplementation(async () => {
      token = 'new'
      return true
    })
    await expect(http.get<{ ok: boolean }>('/api/v1/profile')).resolves.toEqual({ ok: true })
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(fetchMock).toHaveBeenCalledTimes(2)
    const second = fetchMock.mock.calls[1]![1] as RequestInit
    expect((second.headers as Record<string, string>).Authorization).toBe('Bearer new')
    expect(expired).not.toHaveBeenCalled()
  })

  it('shares one refresh between requests that fail together', async () => {
    let release!: (v: boolean) => void
    refresh.mockImplementation(() => new Promise<boolean>((r) => (release = r)))
    fetchMock.mockImplementation(async () => (token === 'new' ? json(200, {}) : json(401, {})))
    const a = http.get('/a')
    const b = http.get('/b')
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1))
    await new Promise((r) => setTimeout(r, 0))
    token = 'new'
    release(true)
    await Promise.all([a, b])
    expect(refresh).toHaveBeenCalledTimes(1)
  })

  it('does not retry twice: a second 401 is an error', async () => {
    fetchMock.mockResolvedValue(json(401, { detail: 'token revoked' }))
    refresh.mockResolvedValue(true)
    const e = (await http.get('/x').catch((x: unknown) => x)) as ApiError
    expect(e.status).toBe(401)
    expect(refresh).toHaveBeenCalledTimes(1)
    expect(fetchMock).toHaveBeenCalledTimes(2)
  })

  it('ends the session when the refresh fails', async () => {
    fetchMock.mockResolvedValue(json(401, {}))
    refresh.mockResolvedValue(false)
    await expect(http.get('/x')).rejects.toBeInstanceOf(ApiError)
    expect(expired).toHaveBeenCalledTimes(1)
  })

  it('sends no token on anonymous calls and scopes paths to the account', async () => {
    expect(accountPath('/conversations')).toBe('/api/v1/accounts/7/conversations')
    fetchMock.mockResolvedValueOnce(json(204, null))
    await http.del(accountPath('/teams/1'))
    const init = fetchMock.mock.calls[0]![1] as RequestInit
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer old')
  })
})
