// TypeScript types of the agent API, exactly as the Go handlers answer them
// (internal/desk/*.go, internal/httpapi/*_handlers.go, internal/realtime).
// Times are RFC 3339 strings. Keep this file in step with the Go structs.

export type Role = 'administrator' | 'agent'
export type Availability = 'online' | 'busy' | 'offline'
export type ChannelType = 'web_widget' | 'api' | 'email'
export type ConversationStatus = 'open' | 'pending' | 'snoozed' | 'resolved'
export type Priority = 'urgent' | 'high' | 'normal' | 'low' | 'none'
export type SenderType = 'contact' | 'agent' | 'system' | 'ai'
/** The AI's categories; the category is also one of a conversation's labels. */
export type Category = 'billing' | 'technical' | 'sales' | 'general'
export type Sentiment = 'positive' | 'neutral' | 'negative' | 'angry' | 'frustrated'

export const STATUSES: readonly ConversationStatus[] = ['open', 'pending', 'snoozed', 'resolved']
export const PRIORITIES: readonly Priority[] = ['urgent', 'high', 'normal', 'low', 'none']
export const CATEGORIES: readonly Category[] = ['billing', 'technical', 'sales', 'general']
export const SENTIMENTS: readonly Sentiment[] = ['positive', 'neutral', 'negative', 'angry', 'frustrated']

// ---- auth & profile -------------------------------------------------------

export interface User {
  id: number
  name: string
  email: string
  created_at: string
}

/** One account the user belongs to, with their role and availability there. */
export interface AccountRef {
  id: number
  name: string
  role: Role
  availability: Availability
}

/** POST /api/v1/auth/login and /auth/refresh. */
export interface LoginResponse {
  access_token: string
  token_type: 'Bearer'
  expires_at: string
  refresh_token: string
  user: User
  accounts: AccountRef[]
}

/** GET/PATCH /api/v1/profile. */
export interface Profile {
  user: User
  accounts: AccountRef[]
}

// ---- account resources (as far as the agent app needs them) --------------

/** GET .../agents rows and PUT .../availability. */
export interface Agent {
  /** The agent's user id. */
  id: number
  name: string
  email: string
  role: Role
  availability: Availability
  max_concurrent: number
  /** Connected to the account's real-time channel now. */
  online?: boolean
  created_at: string
}

export interface Team {
  id: number
  account_id: number
  name: string
  description: string
  created_at: string
}

export interface Inbox {
  id: number
  name: string
  channel_type: ChannelType
  inbox_token: string
  /** Administrators only. */
  hmac_secret?: string
  hmac_mandatory: boolean
  greeting: string
  widget_snippet?: string
  created_at: string
}

export interface Account {
  id: number
  name: string
  created_at: string
}

// ---- contacts -------------------------------------------------------------

export interface ContactRef {
  id: number
  name: string
  email: string
  phone: string
}

export interface Contact extends ContactRef {
  identifier: string
  custom_attributes: Record<string, unknown>
  created_at: string
  updated_at: string
}

// ---- conversations & messages --------------------------------------------

export interface AgentRef {
  id: number
  name: string
  email: string
}

export interface TeamRef {
  id: number
  name: string
}

export interface Message {
  id: number
  account_id: number
  conversation_id: number
  sender_type: SenderType
  sender_id: number | null
  content: string
  private: boolean
  idempotency_key?: string
  created_at: string
}

/** A conversation as the list, get, update and assign routes answer it. */
export interface Conversation {
  id: number
  account_id: number
  display_id: number
  inbox_id: number
  contact_id: number
  status: ConversationStatus
  priority: Priority
  assignee_id: number | null
  team_id: number | null
  snoozed_until: string | null
  last_activity_at: string
  created_at: string
  updated_at: string
  /** Grows by one with every change; drop pushes older than what you hold. */
  version: number
  /** The AI's category is one of them. */
  labels: string[]
  contact: ContactRef
  assignee: AgentRef | null
  team: TeamRef | null
  last_message: Message | null
}

/** GET .../conversations/counts */
export interface ConversationCounts {
  mine: number
  unassigned: number
  all: number
}

export interface Page<T> {
  data: T[]
  next_cursor: string | null
}

// ---- AI -------------------------------------------------------------------

export type ClassificationOutcome = 'human_queue' | 'auto_assigned' | 'team_queue' | ''

export interface Correction {
  id: number
  classification_id: number
  field: 'category' | 'priority' | 'sentiment' | 'language' | 'team'
  old_value: string | null
  new_value: string
  user_id: number
  created_at: string
}

export interface Classification {
  id: number
  account_id: number
  conversation_id: number
  message_id: number
  provider: string
  model: string
  prompt_version: string
  category: string | null
  priority: string | null
  sentiment: string | null
  language: string | null
  confidence: number | null
  reasoning: string
  suggested_team_id: number | null
  suggested_agent_id: number | null
  latency_ms: number
  input_tokens: number
  output_tokens: number
  cost_usd: number
  raw_output: string
  outcome: ClassificationOutcome | string
  notes: string
  run: number
  created_at: string
}

/** GET/PATCH .../classification: the latest classification with its corrections. */
export interface ClassificationView extends Classification {
  corrections: Correction[]
}

export type DraftStatus = 'pending' | 'accepted' | 'edited' | 'rejected'

export interface Draft {
  id: number
  conversation_id: number
  message_id: number
  classification_id: number | null
  provider: string
  model: string
  prompt_version: string
  language: string
  content: string
  /** Knowledge-base article ids the draft was grounded in. */
  articles: number[] | null
  status: DraftStatus
  edit_distance: number | null
  sent_message_id: number | null
  decided_by: number | null
  latency_ms: number
  input_tokens: number
  output_tokens: number
  cost_usd: number
  notes: string
  created_at: string
  updated_at: string
}

/** POST .../drafts/{id}/accept */
export interface AcceptedDraft {
  draft: Draft
  message: Message
}

// ---- real-time ------------------------------------------------------------

export type RealtimeEventType =
  | 'conversation.created'
  | 'conversation.updated'
  | 'conversation.assigned'
  | 'conversation.status_changed'
  | 'message.created'
  | 'conversation.classified'
  | 'agent.presence'
  | 'draft.created'

/** data of agent.presence (version is the agent's presence version). */
export interface PresenceData {
  user_id: number
  online: boolean
  availability: Availability
}

/** What each event type carries in data. */
export interface RealtimeEventData {
  'conversation.created': Conversation
  'conversation.updated': Conversation
  'conversation.assigned': Conversation
  'conversation.status_changed': Conversation
  'message.created': Message
  'conversation.classified': Classification
  'agent.presence': PresenceData
  'draft.created': Draft
}

/** An event as the account and agent channels deliver it (and GET .../events). */
export interface RealtimeEvent<T extends RealtimeEventType = RealtimeEventType> {
  id: number
  type: T
  account_id: number
  /** Absent (0) for agent.presence. */
  conversation_id?: number
  /** The conversation's version after the change (presence version for agent.presence). */
  version?: number
  data: RealtimeEventData[T]
  created_at: string
}

/** A typing signal on a conversation channel (stamped by the server; no account_id). */
export interface TypingEvent {
  type: 'typing'
  conversation_id: number
  typing: boolean
  sender_type: 'contact' | 'agent'
  sender_id?: number
}

/** GET .../events?since=ID */
export interface EventsPage {
  data: RealtimeEvent[]
  since: number
}

/** Discriminated union over every event type: switch on ev.type narrows data. */
export type AnyRealtimeEvent = { [K in RealtimeEventType]: RealtimeEvent<K> }[RealtimeEventType]
