// The timeline's data and geometry, kept free of the DOM so it can be unit-tested.
import type { ActivityAnswer, HeldarEvent, Interval, TimelineAnswer } from "./types";
import { HOUR } from "./time";

export interface Span {
  start: number;
  end: number;
}

export interface TimelineEvent {
  id: string;
  start: number;
  end: number | null;
  reason: string;
  thumbnail: string | null;
}

export interface TimelineData {
  spans: Span[];
  events: TimelineEvent[];
  /** The stretches that had activity (see activity.ts). */
  activity: Span[];
}

/** The zoom levels, an hour to a week. */
export const ZOOM_HOURS = [1, 3, 6, 12, 24, 72, 168] as const;

/** Segments closer than this are one span (a new file starts a few milliseconds after the last one ends). */
export const JOIN_TOLERANCE_MS = 2_000;

export interface View {
  /** The right edge, epoch ms. */
  end: number;
  hours: number;
}

export function viewStart(view: View): number {
  return view.end - view.hours * HOUR;
}

/** Fraction (0..1) across the track of instant t. */
export function fractionOf(t: number, view: View): number {
  return (t - viewStart(view)) / (view.hours * HOUR);
}

/** Instant under a fraction of the track, clamped to the view. */
export function timeAt(fraction: number, view: View): number {
  const clamped = Math.min(1, Math.max(0, fraction));
  return Math.round(viewStart(view) + clamped * view.hours * HOUR);
}

/** The next zoom level in a direction (-1 = closer, +1 = wider). */
export function zoomStep(hours: number, direction: -1 | 1): number {
  const index = ZOOM_HOURS.findIndex((h) => h >= hours);
  const current = index < 0 ? ZOOM_HOURS.length - 1 : index;
  const next = Math.min(ZOOM_HOURS.length - 1, Math.max(0, current + direction));
  return ZOOM_HOURS[next];
}

/** Zoom around an anchor instant, keeping it at the same place on screen; never past now. */
export function zoomAround(view: View, hours: number, anchor: number, now: number): View {
  const fraction = fractionOf(anchor, view);
  const end = anchor + (1 - fraction) * hours * HOUR;
  return { hours, end: Math.min(end, now) };
}

function toSpan(interval: Interval): Span {
  return { start: Date.parse(interval.start), end: Date.parse(interval.end) };
}

export function toEvent(event: HeldarEvent): TimelineEvent {
  return {
    id: event.id,
    start: Date.parse(event.start),
    end: event.end === null ? null : Date.parse(event.end),
    reason: event.reason,
    thumbnail: event.thumbnail,
  };
}

/** The active stretches of an answer, epoch ms, in order; none from a server that sends no activity. */
export function activityFromAnswer(activity: ActivityAnswer | undefined): Span[] {
  return (activity?.spans ?? [])
    .map(([start, end]) => ({ start: start * 1000, end: end * 1000 }))
    .filter((span) => span.end > span.start)
    .sort((a, b) => a.start - b.start);
}

export function fromAnswer(answer: TimelineAnswer): TimelineData {
  return {
    spans: answer.spans.map(toSpan).sort((a, b) => a.start - b.start),
    events: answer.events.map(toEvent).sort((a, b) => a.start - b.start),
    activity: activityFromAnswer(answer.activity),
  };
}

/** Add a newly indexed segment, merging it into the span it continues. */
export function addSegment(spans: Span[], segment: Interval): Span[] {
  const merged: Span[] = [];
  let next = toSpan(segment);
  for (const span of spans) {
    if (span.end + JOIN_TOLERANCE_MS < next.start || next.end + JOIN_TOLERANCE_MS < span.start) {
      merged.push(span);
    } else {
      next = { start: Math.min(span.start, next.start), end: Math.max(span.end, next.end) };
    }
  }
  merged.push(next);
  return merged.sort((a, b) => a.start - b.start);
}

/** Add or update (an event that ended) an event, by id. */
export function upsertEvent(events: TimelineEvent[], event: HeldarEvent): TimelineEvent[] {
  const next = toEvent(event);
  return [...events.filter((e) => e.id !== next.id), next].sort((a, b) => a.start - b.start);
}

/** The holes between spans inside [start, end]: missing footage. */
export function gapsBetween(spans: Span[], start: number, end: number): Span[] {
  const gaps: Span[] = [];
  let cursor: number | null = null;
  for (const span of spans) {
    if (span.end < start || span.start > end) continue;
    if (cursor !== null && span.start - cursor > JOIN_TOLERANCE_MS) {
      gaps.push({ start: Math.max(cursor, start), end: Math.min(span.start, end) });
    }
    cursor = cursor === null ? span.end : Math.max(cursor, span.end);
  }
  return gaps;
}

/**
 * The event to jump to from t: the first one starting after it, or, backwards, the last one
 * before the event t is in (so "previous" while an event plays goes to the one before it).
 */
export function neighbourEvent(events: TimelineEvent[], t: number, direction: -1 | 1): TimelineEvent | null {
  const slack = 1_500; // a jump lands a little after the start; "previous" must not find the same event
  if (direction > 0) return events.find((e) => e.start > t + slack) ?? null;
  const inside = (e: TimelineEvent) => e.start <= t && (e.end === null || t <= e.end + slack);
  const before = events.filter((e) => e.start < t - slack && !inside(e));
  return before.length ? before[before.length - 1] : null;
}

/** The recorded instant nearest to t: inside a span, or the start of the next one. */
export function snapToFootage(spans: Span[], t: number): number | null {
  for (const span of spans) {
    if (t >= span.start && t <= span.end) return t;
    if (span.start > t) return span.start;
  }
  return null;
}

/** A range from two instants in either order. */
export function orderedRange(a: number, b: number): Span {
  return a <= b ? { start: a, end: b } : { start: b, end: a };
}
