// Snooze presets: in an hour, tomorrow at 9:00, and next Monday at 9:00,
// in the agent's local time.
export interface SnoozePreset {
  key: '1h' | 'tomorrow' | 'next-week'
  label: string
  until: (now: Date) => Date
}

function at9(d: Date): Date {
  const x = new Date(d)
  x.setHours(9, 0, 0, 0)
  return x
}

export const SNOOZE_PRESETS: readonly SnoozePreset[] = [
  { key: '1h', label: 'For 1 hour', until: (now) => new Date(now.getTime() + 3600_000) },
  {
    key: 'tomorrow',
    label: 'Until tomorrow 9:00',
    until: (now) => {
      const d = at9(now)
      d.setDate(d.getDate() + 1)
      return d
    },
  },
  {
    key: 'next-week',
    label: 'Until next week (Monday 9:00)',
    until: (now) => {
      const d = at9(now)
      const days = ((8 - d.getDay()) % 7) || 7 // to the next Monday, never today
      d.setDate(d.getDate() + days)
      return d
    },
  },
]
