// A camera's activity as the timeline shows and uses it (heldar/timeline answers its stretches,
// see `activityFromAnswer` in model.ts): where they sit on the strip under the bar, and which one
// "previous" or "next activity" goes to. Kept free of the DOM so it can be unit-tested.
import { type Span, type View, fractionOf } from "./model";

/** A band on the strip: its stretch (ms) and where it sits across the track (fractions 0..1). */
export interface ActivityBand extends Span {
  left: number;
  width: number;
}

/**
 * The bands to draw across a view `pixels` wide: stretches clipped to the view, any narrower than
 * a pixel widened to one (a 5 s stretch on a week's zoom must still show), and stretches that
 * would touch on screen drawn as one band (a busy day stays a few hundred elements).
 */
export function activityBands(spans: Span[], view: View, pixels: number): ActivityBand[] {
  const pixel = 1 / Math.max(1, pixels);
  const bands: ActivityBand[] = [];
  for (const span of spans) {
    const from = Math.max(0, fractionOf(span.start, view));
    const to = Math.min(1, fractionOf(span.end, view));
    if (to < 0 || from > 1 || to < from) continue;
    const last = bands.at(-1);
    if (last && from - (last.left + last.width) < pixel) {
      last.end = Math.max(last.end, span.end);
      last.width = Math.max(last.width, to - last.left);
      continue;
    }
    const width = Math.min(Math.max(to - from, pixel), 1 - Math.min(from, 1 - pixel));
    bands.push({ start: span.start, end: span.end, left: Math.min(from, 1 - pixel), width });
  }
  return bands;
}

/** A jump lands a little after a stretch's start: "previous" must not find the same stretch again. */
const JUMP_SLACK_MS = 1_500;

/**
 * The active stretch to jump to from t: the first one starting after it, or, backwards, the last
 * one before the stretch t is in (so "previous" while a stretch plays goes to the one before it,
 * as "previous event" does).
 */
export function neighbourActivity(spans: Span[], t: number, direction: -1 | 1): Span | null {
  if (direction > 0) return spans.find((s) => s.start > t + JUMP_SLACK_MS) ?? null;
  const inside = (s: Span) => s.start <= t && t <= s.end + JUMP_SLACK_MS;
  const before = spans.filter((s) => s.start < t - JUMP_SLACK_MS && !inside(s));
  return before.at(-1) ?? null;
}
