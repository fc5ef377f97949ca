// Wire types of the public widget API (internal/httpapi/widget_handlers.go)
// and of the events on a conversation channel (internal/realtime/publish.go).

export type SenderType = 'contact' | 'agent' | 'system' | 'ai'

/** A message as the visitor sees it (never private). */
export interface WireMessage {
  id: number
  conversation_id: number
  content: string
  sender_type: SenderType
  created_at: string
}

export interface WireConversation {
  id: number
  display_id: number
  status: string
  last_activity_at: string
  created_at: string
  last_message: WireMessage | null
  /** The exact real-time channel name; absent on older servers. */
  channel?: string
}

export interface WidgetConfig {
  name: string
  greeting: string
  hmac_mandatory: boolean
  /** Ask for a name and an email before the chat (absent on older servers: on). */
  prechat_enabled?: boolean
  /** With the form on, the email is required. */
  prechat_require_email?: boolean
  /** The line shown above the pre-chat form ('' for the widget's own). */
  prechat_message?: string
}

export interface SessionReply {
  contact_token: string
  contact: { id: number; name: string; email: string }
  verified: boolean
}

export interface MessagesPage {
  data: WireMessage[]
  next_cursor: string | null
}

/** An event published into a conversation channel. */
export interface WireEvent {
  id: number
  type: string
  account_id: number
  conversation_id?: number
  version?: number
  data: unknown
  created_at: string
}

/** A typing notice the server stamps and republishes. */
export interface TypingNotice {
  type: 'typing'
  conversation_id: number
  typing: boolean
  sender_type: SenderType
  sender_id?: number
}
