// Specs of the admin form logic: problems into messages, tags, capacity,
// formatting, and the AI settings patch (the key only when typed).
import { describe, expect, it } from 'vitest'
import { ApiError } from '@/api/http'
import { aiFormOf, aiSettingsPatch, mask, parseCapacity, parseTags, percent, problemOf, usd } from './forms'
import type { AISettings } from '@shared/types/admin'

describe('problemOf', () => {
  it('lists field errors without the body. prefix', () => {
    const e = new ApiError(422, {
      detail: 'validation failed',
      errors: [
        { message: 'expected length >= 1', location: 'body.name' },
        { message: 'expected value to be one of "administrator, agent"', location: 'body.role' },
      ],
    })
    expect(problemOf(e)).toEqual({
      message: 'validation failed',
      items: ['name: expected length >= 1', 'role: expected value to be one of "administrator, agent"'],
    })
  })

  it('folds a single error that repeats the detail', () => {
    const e = new ApiError(422, { detail: 'name is required for a new user', errors: [{ message: 'name is required for a new user', location: 'body.name' }] })
    expect(problemOf(e)).toEqual({ message: 'name: name is required for a new user', items: [] })
  })

  it('keeps a conflict detail and explains 403', () => {
    expect(problemOf(new ApiError(409, { detail: 'the account must keep at least one administrator' })).message).toBe(
      'the account must keep at least one administrator',
    )
    expect(problemOf(new ApiError(403, { detail: 'forbidden' })).message).toBe('Only administrators may do this.')
  })

  it('handles plain errors and other values', () => {
    expect(problemOf(new Error('offline'))).toEqual({ message: 'offline', items: [] })
    expect(problemOf('x').message).toBe('Something went wrong')
  })
})

describe('parsing and formatting', () => {
  it('parses tags', () => {
    expect(parseTags(' billing, refunds ,, billing,VAT ')).toEqual(['billing', 'refunds', 'VAT'])
    expect(parseTags('')).toEqual([])
  })

  it('parses capacity', () => {
    expect(parseCapacity('5')).toBe(5)
    expect(parseCapacity(' 0 ')).toBe(0)
    expect(parseCapacity('-1')).toBeNull()
    expect(parseCapacity('2.5')).toBeNull()
    expect(parseCapacity('1001')).toBeNull()
    expect(parseCapacity('')).toBeNull()
  })

  it('formats', () => {
    expect(percent(0.853)).toBe('85%')
    expect(percent(0.051)).toBe('5.1%')
    expect(percent(0)).toBe('0%')
    expect(usd(1.5)).toBe('$1.50')
    expect(usd(0.0012)).toBe('$0.0012')
    expect(mask('abcdefgh1234')).toBe('••••••••1234')
    expect(mask('abc')).toBe('••••')
  })
})

describe('aiSettingsPatch', () => {
  const s: AISettings = {
    account_id: 1,
    provider: '',
    model: '',
    base_url: '',
    has_api_key: true,
    threshold: 0.85,
    auto_assign: true,
    drafts: false,
    business_hours: '',
    updated_at: '2026-01-01T00:00:00Z',
  }

  it('spells the server default and leaves an empty key out', () => {
    const f = aiFormOf(s)
    expect(f.api_key).toBe('')
    const p = aiSettingsPatch(f)
    expect(p).toEqual({ provider: 'default', model: '', base_url: '', threshold: 0.85, auto_assign: true, drafts: false, business_hours: '' })
    expect(p).not.toHaveProperty('api_key')
    expect(aiSettingsPatch({ ...f, api_key: '   ' })).not.toHaveProperty('api_key')
  })

  it('sends a typed key, trims fields and clamps the threshold', () => {
    const p = aiSettingsPatch({ ...aiFormOf(s), provider: 'openai', model: ' gpt ', base_url: ' http://x/v1 ', api_key: ' sk-1 ', threshold: 1.4 })
    expect(p).toMatchObject({ provider: 'openai', model: 'gpt', base_url: 'http://x/v1', api_key: 'sk-1', threshold: 1 })
  })
})
