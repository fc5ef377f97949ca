// The widget controller: wires the session, the API, the message store, the
// offline queue, real-time updates and the view together. One instance per
// page (main.ts creates it from the embed snippet). It also follows the
// conversation's status: once resolved (a push or a refetch says so) the
// view says so, until the visitor writes again (the server then reopens it).
// The inbox's config decides the pre-chat form: when it is off, an anonymous
// visitor goes straight to the message box and the session starts (without
// name or email) with the first message, as for a verified visitor.
import { ApiError, newKey, WidgetApi, type FetchLike } from './api'
import type { LoaderConfig } from './loader'
import { Outbox } from './outbox'
import { Realtime, TypingSender, wsUrl, type ClientFactory, type ConnState, type Update } from './realtime'
import { clearSession, defaultStorage, emptySession, loadSession, saveSession, type Session } from './session'
import { MessageStore, type ChatMessage } from './store'
import type { WireConversation, WireMessage } from './types'
import { View } from './ui'

export interface WidgetDeps {
  fetch?: FetchLike
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  realtime?: ClientFactory
  /** Poll interval when there is no live connection (ms). */
  pollMs?: number
}

const OFFLINE = 'You are offline. Messages will be sent when you are back online.'

export class Widget {
  readonly store = new MessageStore()
  readonly view: View
  readonly api: WidgetApi
  private session: Session = emptySession()
  private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  private readonly outbox: Outbox
  private readonly typing: TypingSender
  private rt: Realtime | null = null
  private conn: ConnState | 'none' = 'none'
  private wasConnected = false
  private poller: ReturnType<typeof setInterval> | null = null
  private agentTyping: ReturnType<typeof setTimeout> | null = null
  private opened = false
  private problem: { text: string; error: boolean } | null = null
  private syncing: Promise<void> | null = null
  private starting: Promise<void> | null = null
  /** Bumped by every status source, so an older refetch cannot overwrite a newer answer. */
  private statusSeq = 0
  /** The version of the last status push applied (pushes older than it are dropped). */
  private statusVersion = 0
  private pollTicks = 0
  /** The inbox's pre-chat form is on (until the config says otherwise). */
  private prechatOn = true

  constructor(private readonly cfg: LoaderConfig, private readonly deps: WidgetDeps = {}) {
    this.storage = deps.storage ?? defaultStorage()
    this.api = new WidgetApi(cfg.origin, cfg.inboxToken, deps.fetch)
    this.view = new View({ position: cfg.position, launcherText: cfg.launcherText }, {
      toggle: () => this.toggle(),
      close: () => this.close(),
      prechat: (name, email) => void this.startSession(name, email),
      send: (text) => this.send(text),
      typing: () => this.typing.input(),
      retry: (key) => this.retry(key),
    })
    this.outbox = new Outbox({
      store: this.store,
      send: (m) => this.deliver(m),
      online: () => navigator.onLine !== false,
      onError: (e) => this.sendFailed(e),
      onDrained: () => this.setProblem(null),
    })
    this.typing = new TypingSender((on) => this.rt?.typing(on))
  }

  /** Mounts the widget and resumes a stored session. */
  start(parent: HTMLElement = document.body): void {
    this.session = loadSession(this.cfg.inboxToken, this.storage)
    // Another signed-in user (or none) than the stored session's: start afresh.
    if (this.session.identifier !== (this.cfg.identity?.identifier ?? '')) {
      clearSession(this.cfg.inboxToken, this.storage)
      this.session = emptySession()
    }
    this.api.contactToken = this.session.contactToken
    this.store.onChange(() => {
      this.view.render(this.store.all())
      this.persist()
    })
    this.store.load(this.session.messages)
    this.view.showPrechat(!this.session.contactToken && !this.cfg.identity)
    this.view.setUnread(this.session.unread)
    this.view.setResolved(this.session.resolved)
    this.view.mount(parent)
    window.addEventListener('online', this.onNetwork)
    window.addEventListener('offline', this.onNetwork)
    this.updateStatus()
    this.api.config().then(
      (c) => {
        this.view.setConfig(c.name, c.greeting)
        this.view.setPrechatOptions(c.prechat_require_email === true, c.prechat_message ?? '')
        this.prechatOn = c.prechat_enabled !== false
        if (this.session.contactToken || this.cfg.identity) return
        this.view.showPrechat(this.prechatOn)
        // Messages kept from a page where the session could not start yet.
        if (!this.prechatOn && this.store.unsent().length) void this.beginSession()
      },
      (e: ApiError) => {
        if (!e.retriable) this.setProblem('Chat is unavailable right now.', true)
      },
    )
    if (this.session.contactToken) void this.resume()
  }

  open(): void {
    if (this.opened) return
    this.opened = true
    this.session.unread = 0
    this.view.setUnread(0)
    this.view.setOpen(true)
    this.persist()
    if (this.cfg.identity && !this.session.contactToken) void this.beginSession()
  }

  close(): void {
    if (!this.opened) return
    const hadFocus = this.view.root.activeElement !== null
    this.opened = false
    this.typing.stop()
    this.view.setOpen(false)
    if (hadFocus) this.view.focusLauncher()
  }

  toggle(): void {
    if (this.opened) this.close()
    else this.open()
  }

  /** Stops every timer and connection and removes the widget. */
  destroy(): void {
    this.stopLive()
    this.outbox.stop()
    window.removeEventListener('online', this.onNetwork)
    window.removeEventListener('offline', this.onNetwork)
    this.view.destroy()
  }

  private persist(): void {
    this.session.messages = this.store.snapshot(50)
    saveSession(this.cfg.inboxToken, this.session, this.storage)
  }

  /** No form to fill: the site vouches for the visitor, or the inbox asks nothing. */
  private get formless(): boolean {
    return !!this.cfg.identity || !this.prechatOn
  }

  /** Starts a session without the form: with the verified identity, else anonymous. */
  private beginSession(): Promise<void> {
    const id = this.cfg.identity
    return this.startSession(id?.name ?? '', id?.email ?? '')
  }

  /** Starts a contact session (single flight), then picks up the contact's conversation, if any. */
  private startSession(name: string, email: string): Promise<void> {
    this.starting ??= this.doStartSession(name, email).finally(() => {
      this.starting = null
    })
    return this.starting
  }

  private async doStartSession(name: string, email: string): Promise<void> {
    this.view.setPrechatBusy(true)
    try {
      const id = this.cfg.identity
      const r = await this.api.startSession(name, email, id)
      this.session = { ...emptySession(), contactToken: r.contact_token, name, email, identifier: id?.identifier ?? '' }
      this.api.contactToken = r.contact_token
      this.persist()
      this.view.setPrechatBusy(false)
      this.view.showPrechat(false)
      this.setProblem(null)
      if (this.opened) this.view.focus()
    } catch (e) {
      const err = e as ApiError
      const text = err.status === 0 ? 'Could not connect. Please check your connection and try again.'
        : err.status === 429 ? 'Too many attempts. Please wait a minute and try again.'
        : err.status === 401 ? 'This chat is only available to signed-in visitors.'
        : err.message || 'Something went wrong. Please try again.'
      this.view.setPrechatBusy(false, text)
      if (this.cfg.identity) this.setProblem(err.status === 401 ? 'We could not verify who you are. Please reload the page.' : text, true)
      else if (!this.prechatOn) this.setProblem(text, true)
      // Nothing can be sent without a session: offer the retry button.
      if (this.formless) for (const m of this.store.unsent()) this.store.setState(m.key, 'failed')
      return
    }
    // A verified visitor may already have conversations: continue the latest.
    await this.resume()
  }

  /** A stored session: find the conversation, load what is new, go live, send what is queued. */
  private async resume(): Promise<void> {
    try {
      if (!this.session.conversationId || !this.session.channel) {
        const list = await this.api.conversations()
        const conv = list.find((c) => c.id === this.session.conversationId) ?? latest(list)
        if (conv) this.adopt(conv)
      }
      if (this.session.conversationId) {
        await this.sync()
        this.goLive()
      }
    } catch (e) {
      this.handleError(e)
    }
    if (this.store.unsent().length) void this.outbox.flush()
  }

  /** Takes the conversation's id and channel into the session. */
  private adopt(c: WireConversation): void {
    const changed = this.session.conversationId !== c.id || this.session.channel !== (c.channel ?? null)
    if (this.session.conversationId !== c.id) this.statusVersion = 0
    this.session.conversationId = c.id
    this.session.channel = c.channel ?? null
    this.statusSeq++
    this.setResolved(c.status === 'resolved')
    this.persist()
    if (changed) this.stopLive()
  }

  /** Shows (or hides) the resolved notice and keeps it in the session. */
  private setResolved(on: boolean): void {
    this.view.setResolved(on)
    if (this.session.resolved === on) return
    this.session.resolved = on
    this.persist()
  }

  /** Asks the server for the conversation's status (after a resubscription, now and then while polling). */
  private async refreshStatus(): Promise<void> {
    const id = this.session.conversationId
    if (!id) return
    const seq = ++this.statusSeq
    const list = await this.api.conversations()
    if (seq !== this.statusSeq || this.session.conversationId !== id) return
    const c = list.find((x) => x.id === id)
    if (!c) return
    const resolved = c.status === 'resolved'
    // A message still on its way reopens the conversation: do not show it resolved meanwhile.
    if (resolved && this.store.unsent().length) return
    this.setResolved(resolved)
  }

  private send(text: string): void {
    if (!this.session.contactToken && !this.formless) {
      this.view.showPrechat(true)
      this.view.focus()
      return
    }
    this.typing.stop()
    if (this.session.resolved) {
      // The server reopens the conversation on the visitor's new message.
      this.statusSeq++
      this.setResolved(false)
    }
    this.store.addLocal(text, newKey())
    // A formless session may still be starting: it flushes when ready.
    if (this.session.contactToken) void this.outbox.flush()
    else void this.beginSession()
  }

  /** Sends a failed message again; without a session yet, starts one first. */
  private retry(key: string): void {
    if (this.session.contactToken || !this.formless) return void this.outbox.retry(key)
    this.store.setState(key, 'queued')
    void this.beginSession()
  }

  /** Sends one queued message; the first one opens the conversation. */
  private async deliver(m: ChatMessage): Promise<WireMessage> {
    const convId = this.session.conversationId
    if (convId) return this.api.postMessage(convId, m.content, m.key)
    const conv = await this.api.createConversation(m.content, m.key)
    this.adopt(conv)
    let first = conv.last_message?.sender_type === 'contact' ? conv.last_message : undefined
    if (!first) {
      const page = await this.api.messages(conv.id, { order: 'asc', limit: 10 })
      first = page.data.find((x) => x.sender_type === 'contact')
    }
    this.goLive()
    if (!first) throw new ApiError(503, 'conversation started; message not visible yet')
    return first
  }

  private sendFailed(e: ApiError): void {
    if (e.sessionEnded) return this.endSession()
    if (e.status === 0 && navigator.onLine === false) return this.updateStatus()
    this.setProblem(e.retriable ? 'Could not reach the server. Retrying…' : 'Your message could not be sent: ' + e.message, !e.retriable)
  }

  /** Fetches what is newer than the last message held and merges it (single flight). */
  private sync(): Promise<void> {
    if (this.syncing) return this.syncing
    const id = this.session.conversationId
    if (!id) return Promise.resolve()
    const hadHistory = this.store.lastId() > 0
    this.syncing = this.api
      .messagesSince(id, this.store.lastId())
      .then((msgs) => {
        if (this.session.conversationId !== id) return
        this.received(this.store.merge(msgs), hadHistory)
      })
      .finally(() => {
        this.syncing = null
      })
    return this.syncing
  }

  /** Counts new agent replies while closed; hides the typing indicator once a reply lands. */
  private received(added: WireMessage[], countUnread = true): void {
    const replies = added.filter((m) => m.sender_type === 'agent' || m.sender_type === 'ai').length
    if (!replies) return
    this.setAgentTyping(false)
    if (!this.opened && countUnread) {
      this.session.unread += replies
      this.view.setUnread(this.session.unread)
      this.persist()
    }
  }

  /** Subscribes to the conversation's channel, or polls when the server named none. */
  private goLive(): void {
    const { conversationId, channel, contactToken } = this.session
    if (!conversationId || !contactToken || this.rt || this.poller) return
    if (!channel) return this.startPolling()
    this.rt = new Realtime(wsUrl(this.cfg.origin), contactToken, {
      onUpdate: (u) => this.onUpdate(u),
      onResync: () => {
        this.sync().catch((e) => this.handleError(e))
        this.refreshStatus().catch(() => {})
        void this.outbox.flush()
      },
      onState: (s) => this.onConn(s),
      onRefused: () => {
        this.rt?.stop()
        this.rt = null
        this.conn = 'none'
        this.startPolling()
        this.updateStatus()
      },
    }, this.deps.realtime)
    this.rt.start(channel, conversationId)
  }

  private onUpdate(u: Update): void {
    if (u.kind === 'message') this.received(this.store.merge([u.message]))
    else if (u.kind === 'typing') this.setAgentTyping(u.typing)
    else if (u.kind === 'status') {
      if (u.version !== undefined) {
        if (u.version < this.statusVersion) return
        this.statusVersion = u.version
      }
      this.statusSeq++
      this.setResolved(u.status === 'resolved')
    }
  }

  private onConn(s: ConnState): void {
    this.conn = s
    if (s === 'connected') {
      this.wasConnected = true
      this.stopPolling()
    } else {
      // Poll while the socket is down (or blocked by a proxy); a
      // resubscription resyncs anyway.
      this.startPolling()
    }
    this.updateStatus()
  }

  private startPolling(): void {
    if (this.poller) return
    this.poller = setInterval(() => {
      if (navigator.onLine === false) return
      this.sync().catch((e) => this.handleError(e))
      if (this.pollTicks++ % 3 === 0) this.refreshStatus().catch(() => {})
    }, this.deps.pollMs ?? 5000)
  }

  private stopPolling(): void {
    if (this.poller) clearInterval(this.poller)
    this.poller = null
  }

  private stopLive(): void {
    this.rt?.stop()
    this.rt = null
    this.conn = 'none'
    this.stopPolling()
    this.setAgentTyping(false)
  }

  private setAgentTyping(on: boolean): void {
    if (this.agentTyping) clearTimeout(this.agentTyping)
    this.agentTyping = on ? setTimeout(() => this.setAgentTyping(false), 8000) : null
    this.view.setTyping(on)
  }

  private readonly onNetwork = (): void => {
    this.updateStatus()
    if (navigator.onLine !== false && this.session.contactToken) {
      void this.outbox.flush()
      if (this.session.conversationId) this.sync().catch((e) => this.handleError(e))
    }
  }

  private handleError(e: unknown): void {
    const err = e instanceof ApiError ? e : new ApiError(0, String(e))
    if (err.sessionEnded) return this.endSession()
    if (err.status === 0 && navigator.onLine === false) return this.updateStatus()
    this.setProblem(err.retriable ? 'Could not reach the server. Retrying…' : 'Something went wrong: ' + err.message, !err.retriable)
  }

  /** The contact token is no longer valid (expired, contact deleted): start over. */
  private endSession(): void {
    this.stopLive()
    this.outbox.stop()
    clearSession(this.cfg.inboxToken, this.storage)
    this.session = emptySession()
    this.api.contactToken = null
    this.store.clear()
    this.view.setResolved(false)
    this.view.showPrechat(!this.formless)
    this.setProblem('Your chat session has ended. Please start a new one.', false)
    if (this.cfg.identity && this.opened) void this.beginSession()
  }

  private setProblem(text: string | null, error = false): void {
    this.problem = text ? { text, error } : null
    this.updateStatus()
  }

  /** One status line: offline first, then reconnecting, then the last problem. */
  private updateStatus(): void {
    if (navigator.onLine === false) return this.view.setStatus(OFFLINE)
    if (this.wasConnected && (this.conn === 'connecting' || this.conn === 'disconnected')) {
      return this.view.setStatus('Reconnecting…')
    }
    this.view.setStatus(this.problem?.text ?? null, this.problem?.error ?? false)
  }
}

/** The conversation with the latest activity. */
function latest(list: readonly WireConversation[]): WireConversation | undefined {
  let best: WireConversation | undefined
  for (const c of list) if (!best || Date.parse(c.last_activity_at) > Date.parse(best.last_activity_at)) best = c
  return best
}
