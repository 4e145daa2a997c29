// Wall-clock arithmetic in HA's configured time zone (never the browser's), correct across DST.

/** How HA shows time: its zone, the user's language, and their 12/24-hour choice (undefined: the language's). */
export interface Clock {
  timeZone: string;
  locale: string;
  hour12?: boolean;
}

export interface Tick {
  /** Epoch milliseconds. */
  t: number;
  label: string;
  /** A tick that starts a new local day: drawn stronger, labelled with the date. */
  major: boolean;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    partFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local calendar fields of an instant in a time zone. */
export function localParts(t: number, timeZone: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(t)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Tick spacing (minutes) for a visible span: the finest that gives at most maxLabels labels. */
export function tickStepMinutes(spanMs: number, maxLabels = 12): number {
  const steps = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
  for (const step of steps) {
    if (spanMs / (step * MINUTE) <= maxLabels) return step;
  }
  return 1440;
}

/**
 * Ticks at local wall-clock boundaries between start and end.
 *
 * Walks UTC in steps of at most 15 minutes (every zone's offset is a multiple of 15 minutes) and keeps
 * the instants whose *local* time falls on the step, so a DST change yields a 23 h or 25 h day with the
 * repeated or skipped hour exactly as the clock on the wall shows it.
 */
export function ticks(start: number, end: number, clock: Clock, maxLabels = 12): Tick[] {
  const { timeZone, locale, hour12 } = clock;
  const step = tickStepMinutes(end - start, maxLabels);
  const walk = Math.min(step, 15) * MINUTE;
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour12, hour: "2-digit", minute: "2-digit" });
  const date = new Intl.DateTimeFormat(locale, { timeZone, weekday: "short", day: "numeric", month: "short" });
  const result: Tick[] = [];
  for (let t = Math.ceil(start / walk) * walk; t <= end; t += walk) {
    const local = localParts(t, timeZone);
    const minutes = local.hour * 60 + local.minute;
    const midnight = minutes === 0;
    if (step >= 1440 ? !midnight : minutes % step !== 0) continue;
    if (step > 60 && step < 1440 && local.minute !== 0) continue;
    result.push({ t, label: midnight ? date.format(t) : time.format(t), major: midnight });
  }
  return result;
}

/** A time of day with seconds, for the playhead and the cursor. */
export function formatClock(t: number, { timeZone, locale, hour12 }: Clock): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    hour12,
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).format(t);
}

/** A date and time, for event details and the selected range. */
export function formatDateTime(t: number, { timeZone, locale, hour12 }: Clock): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    hour12,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).format(t);
}

export { MINUTE, HOUR, DAY };
