import { describe, expect, it } from "vitest";
import {
  addSegment,
  fractionOf,
  fromAnswer,
  gapsBetween,
  neighbourEvent,
  snapToFootage,
  timeAt,
  upsertEvent,
  zoomAround,
  zoomStep,
} from "../src/model";
import { HOUR } from "../src/time";

const t = (s: string) => Date.parse(s);
const answer = {
  spans: [
    { start: "2026-07-01T10:05:00+00:00", end: "2026-07-01T10:20:00+00:00" },
    { start: "2026-07-01T10:00:00+00:00", end: "2026-07-01T10:02:00+00:00" },
  ],
  gaps: [{ start: "2026-07-01T10:02:00+00:00", end: "2026-07-01T10:05:00+00:00" }],
  events: [
    { id: "b", start: "2026-07-01T10:10:00+00:00", end: null, reason: "Motion", thumbnail: null },
    { id: "a", start: "2026-07-01T10:01:00+00:00", end: "2026-07-01T10:01:30+00:00", reason: "Trigger", thumbnail: "/x.jpg" },
  ],
  now: "2026-07-01T10:20:00+00:00",
};

describe("timeline data", () => {
  it("parses and sorts spans and events", () => {
    const data = fromAnswer(answer);
    expect(data.spans.map((s) => s.start)).toEqual([t("2026-07-01T10:00:00Z"), t("2026-07-01T10:05:00Z")]);
    expect(data.events.map((e) => e.id)).toEqual(["a", "b"]);
    expect(data.events[1].end).toBeNull();
  });

  it("extends a span with the next segment and bridges a filled gap", () => {
    let spans = fromAnswer(answer).spans;
    spans = addSegment(spans, { start: "2026-07-01T10:20:00.040+00:00", end: "2026-07-01T10:21:00+00:00" });
    expect(spans).toHaveLength(2);
    expect(spans[1].end).toBe(t("2026-07-01T10:21:00Z"));
    spans = addSegment(spans, { start: "2026-07-01T10:02:00+00:00", end: "2026-07-01T10:05:00+00:00" });
    expect(spans).toEqual([{ start: t("2026-07-01T10:00:00Z"), end: t("2026-07-01T10:21:00Z") }]);
    spans = addSegment(spans, { start: "2026-07-01T11:00:00+00:00", end: "2026-07-01T11:01:00+00:00" });
    expect(spans).toHaveLength(2);
  });

  it("finds the gaps between spans inside a window", () => {
    const spans = fromAnswer(answer).spans;
    expect(gapsBetween(spans, t("2026-07-01T09:00:00Z"), t("2026-07-01T11:00:00Z"))).toEqual([
      { start: t("2026-07-01T10:02:00Z"), end: t("2026-07-01T10:05:00Z") },
    ]);
    expect(gapsBetween(spans, t("2026-07-01T10:06:00Z"), t("2026-07-01T11:00:00Z"))).toEqual([]);
  });

  it("updates an event by id when it ends", () => {
    const events = upsertEvent(fromAnswer(answer).events, {
      id: "b",
      start: "2026-07-01T10:10:00+00:00",
      end: "2026-07-01T10:11:00+00:00",
      reason: "Motion",
      thumbnail: "/b.jpg",
    });
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ id: "b", end: t("2026-07-01T10:11:00Z"), thumbnail: "/b.jpg" });
  });

  it("steps to the previous and next event", () => {
    const events = fromAnswer(answer).events;
    expect(neighbourEvent(events, t("2026-07-01T10:05:00Z"), 1)?.id).toBe("b");
    expect(neighbourEvent(events, t("2026-07-01T10:05:00Z"), -1)?.id).toBe("a");
    // Just after jumping to b, "previous" goes to a, not to b again.
    expect(neighbourEvent(events, t("2026-07-01T10:10:00.500Z"), -1)?.id).toBe("a");
    expect(neighbourEvent(events, t("2026-07-01T10:15:00Z"), 1)).toBeNull();
    // Seconds into an event that is playing, "previous" goes to the one before it.
    const ended = [
      { id: "a", start: t("2026-07-01T10:01:00Z"), end: t("2026-07-01T10:01:30Z"), reason: "", thumbnail: null },
      { id: "c", start: t("2026-07-01T10:12:00Z"), end: t("2026-07-01T10:12:20Z"), reason: "", thumbnail: null },
    ];
    expect(neighbourEvent(ended, t("2026-07-01T10:12:08Z"), -1)?.id).toBe("a");
    expect(neighbourEvent(ended, t("2026-07-01T10:20:00Z"), -1)?.id).toBe("c");
  });

  it("snaps a click in a gap to the next footage", () => {
    const spans = fromAnswer(answer).spans;
    expect(snapToFootage(spans, t("2026-07-01T10:01:00Z"))).toBe(t("2026-07-01T10:01:00Z"));
    expect(snapToFootage(spans, t("2026-07-01T10:03:00Z"))).toBe(t("2026-07-01T10:05:00Z"));
    expect(snapToFootage(spans, t("2026-07-01T10:30:00Z"))).toBeNull();
  });
});

describe("geometry and zoom", () => {
  const view = { end: t("2026-07-01T12:00:00Z"), hours: 2 };
  it("maps time to the track and back", () => {
    expect(fractionOf(t("2026-07-01T11:00:00Z"), view)).toBe(0.5);
    expect(timeAt(0.25, view)).toBe(t("2026-07-01T10:30:00Z"));
    expect(timeAt(1.5, view)).toBe(view.end);
  });

  it("zooms from an hour to a week, one level at a time", () => {
    expect(zoomStep(1, -1)).toBe(1);
    expect(zoomStep(24, 1)).toBe(72);
    expect(zoomStep(168, 1)).toBe(168);
    expect(zoomStep(2, -1)).toBe(1);
  });

  it("keeps the anchor under the pointer when zooming, never past now", () => {
    const anchor = t("2026-07-01T11:00:00Z");
    const zoomed = zoomAround(view, 1, anchor, t("2026-07-01T13:00:00Z"));
    expect(fractionOf(anchor, zoomed)).toBeCloseTo(0.5);
    expect(zoomed.hours * HOUR).toBe(HOUR);
    const wide = zoomAround(view, 24, anchor, view.end);
    expect(wide.end).toBe(view.end);
  });
});
