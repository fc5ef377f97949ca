// The one fetch wrapper every API module goes through (../shared/STYLE.md,
// pattern 19). It adds the bearer token, scopes paths to the current account,
// turns RFC 9457 problem+json answers into ApiError, and refreshes an expired
// access token once, transparently, so an agent is never interrupted.

/** A problem+json answer (RFC 9457) from the server. */
export class ApiError extends Error {
  readonly status: number
  readonly type: string
  readonly title: string
  readonly detail: string
  readonly errors: { message: string; location?: string; value?: unknown }[]

  constructor(status: number, body: Partial<{ type: string; title: string; detail: string; errors: ApiError['errors'] }>) {
    super(body.detail || body.title || `HTTP ${status}`)
    this.name = 'ApiError'
    this.status = status
    this.type = body.type ?? 'about:blank'
    this.title = body.title ?? ''
    this.detail = body.detail ?? ''
    this.errors = body.errors ?? []
  }

  /** The stable problem type without its urn:hummdesk:problem: prefix. */
  get kind(): string {
    return this.type.replace(/^urn:hummdesk:problem:/, '')
  }
}

/** Session hooks the auth store installs; the wrapper knows nothing else. */
export interface SessionHooks {
  accessToken(): string | null
  accountId(): number | null
  /** Refreshes the access token; resolves false when the session is over. */
  refresh(): Promise<boolean>
  /** Called when the session cannot be refreshed (log out, go to login). */
  expired(): void
}

let hooks: SessionHooks = {
  accessToken: () => null,
  accountId: () => null,
  refresh: async () => false,
  expired: () => {},
}

export function installSession(h: SessionHooks): void {
  hooks = h
}

export type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** No Authorization header (login, refresh). */
  anonymous?: boolean
  signal?: AbortSignal
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  }
  const s = q.toString()
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path
}

async function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  const token = opts.anonymous ? null : hooks.accessToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let body: string | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  return fetch(withQuery(path, opts.query), { method, headers, body, signal: opts.signal, credentials: 'same-origin' })
}

let refreshing: Promise<boolean> | null = null

/** request sends one API call and decodes its JSON answer (undefined for 204). */
export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  let res = await send(method, path, opts)
  if (res.status === 401 && !opts.anonymous) {
    // One refresh shared by every request that failed at the same moment.
    refreshing ??= hooks.refresh().finally(() => {
      refreshing = null
    })
    if (await refreshing) {
      res = await send(method, path, opts)
    } else {
      hooks.expired()
    }
  }
  if (!res.ok) {
    let problem = {}
    try {
      problem = await res.json()
    } catch {
      // not JSON: keep the status alone
    }
    throw new ApiError(res.status, problem)
  }
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}

/** accountPath prefixes a path with the current account: the tenant comes from this one place. */
export function accountPath(path: string): string {
  const id = hooks.accountId()
  if (id === null) throw new ApiError(0, { title: 'No account selected', detail: 'no account selected' })
  return `/api/v1/accounts/${id}${path}`
}

export const http = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  del: (path: string) => request<void>('DELETE', path),
}

/** A keyset page as the list routes answer it. */
export interface Page<T> {
  data: T[]
  next_cursor: string | null
}
