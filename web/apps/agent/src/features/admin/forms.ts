// Pure form logic of the admin pages: server problems into displayable
// errors, tag parsing, number formatting, and the AI settings patch (which
// carries the write-only API key only when one was typed).
import { ApiError } from '@/api/http'
import type { AIProvider, AISettings, AISettingsPatch } from '@shared/types/admin'

/** What a form shows after a failed request. */
export interface FormProblem {
  /** The problem's detail (or the error's message). */
  message: string
  /** Field errors as "field: message", field without the body. prefix. */
  items: string[]
}

/** problemOf turns any thrown value into a FormProblem. */
export function problemOf(err: unknown): FormProblem {
  if (err instanceof ApiError) {
    const items = err.errors.map((e) => {
      const field = (e.location ?? '').replace(/^body\./, '')
      return field ? `${field}: ${e.message}` : e.message
    })
    let message = err.detail || err.title || `Request failed (HTTP ${err.status})`
    if (err.status === 403) message = 'Only administrators may do this.'
    // A single field error that repeats the detail adds nothing.
    if (items.length === 1 && err.errors[0]?.message === message) {
      const field = (err.errors[0].location ?? '').replace(/^body\./, '')
      return { message: field ? `${field}: ${message}` : message, items: [] }
    }
    return { message, items }
  }
  if (err instanceof Error) return { message: err.message || 'Something went wrong', items: [] }
  return { message: 'Something went wrong', items: [] }
}

/** parseTags splits "a, b ,a" into unique, trimmed, non-empty tags. */
export function parseTags(s: string): string[] {
  const out: string[] = []
  for (const raw of s.split(',')) {
    const t = raw.trim()
    if (t && !out.includes(t)) out.push(t)
  }
  return out
}

/** parseCapacity reads a non-negative integer; null when it is not one. */
export function parseCapacity(s: string | number): number | null {
  const t = String(s).trim()
  if (!/^\d+$/.test(t)) return null
  const n = Number(t)
  return n <= 1000 ? n : null
}

/** percent formats a 0..1 ratio as "85%" (one decimal below 10%). */
export function percent(x: number): string {
  const p = x * 100
  return `${p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)}%`
}

/** usd formats a cost, with more digits for tiny amounts. */
export function usd(x: number): string {
  return x > 0 && x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`
}

/** mask hides a secret except its last four characters. */
export function mask(secret: string): string {
  if (secret.length <= 4) return '••••'
  return '•'.repeat(Math.min(secret.length - 4, 24)) + secret.slice(-4)
}

/** The editable state of the AI settings form. */
export interface AISettingsForm {
  provider: AIProvider
  model: string
  base_url: string
  /** Typed new key; empty keeps the stored one. */
  api_key: string
  threshold: number
  auto_assign: boolean
  drafts: boolean
  business_hours: string
}

export function aiFormOf(s: AISettings): AISettingsForm {
  return {
    provider: s.provider,
    model: s.model,
    base_url: s.base_url,
    api_key: '',
    threshold: s.threshold,
    auto_assign: s.auto_assign,
    drafts: s.drafts,
    business_hours: s.business_hours,
  }
}

/**
 * aiSettingsPatch is the PATCH body for the form: every setting, the
 * provider '' spelled 'default', and api_key only when one was typed.
 */
export function aiSettingsPatch(f: AISettingsForm): AISettingsPatch {
  const p: AISettingsPatch = {
    provider: f.provider === '' ? 'default' : f.provider,
    model: f.model.trim(),
    base_url: f.base_url.trim(),
    threshold: Math.min(1, Math.max(0, Number(f.threshold))),
    auto_assign: f.auto_assign,
    drafts: f.drafts,
    business_hours: f.business_hours.trim(),
  }
  const key = f.api_key.trim()
  if (key) p.api_key = key
  return p
}
