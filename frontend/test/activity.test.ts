import { describe, expect, it } from "vitest";
import { activityBands, neighbourActivity } from "../src/activity";
import { activityFromAnswer } from "../src/model";
import { HOUR } from "../src/time";

const END = Date.parse("2026-07-01T12:00:00Z");
const VIEW = { end: END, hours: 1 };
const at = (minutesBefore: number) => END - minutesBefore * 60_000;

describe("activity from heldar/timeline", () => {
  it("turns UTC-second pairs into ordered ms spans and drops empty ones", () => {
    const spans = activityFromAnswer({ spans: [[1_700_000_100, 1_700_000_130], [1_700_000_000, 1_700_000_010], [5, 5]], join: 5, threshold: 40 });
    expect(spans).toEqual([
      { start: 1_700_000_000_000, end: 1_700_000_010_000 },
      { start: 1_700_000_100_000, end: 1_700_000_130_000 },
    ]);
    expect(activityFromAnswer(undefined)).toEqual([]);
  });
});

describe("the activity strip's geometry", () => {
  it("places each stretch where it is in the view", () => {
    const bands = activityBands([{ start: at(45), end: at(30) }, { start: at(15), end: at(12) }], VIEW, 600);
    expect(bands).toHaveLength(2);
    expect(bands[0].left).toBeCloseTo(0.25);
    expect(bands[0].width).toBeCloseTo(0.25);
    expect(bands[1].left).toBeCloseTo(0.75);
    expect(bands[1].width).toBeCloseTo(0.05);
  });

  it("clips stretches at the view's edges and leaves out those outside it", () => {
    const bands = activityBands(
      [{ start: at(90), end: at(70) }, { start: at(70), end: at(50) }, { start: at(5), end: at(-10) }],
      VIEW,
      600,
    );
    expect(bands.map((b) => [b.left, b.width].map((f) => Number(f.toFixed(4))))).toEqual([
      [0, Number((10 / 60).toFixed(4))],
      [Number((55 / 60).toFixed(4)), Number((5 / 60).toFixed(4))],
    ]);
  });

  it("widens a stretch narrower than a pixel to one, and draws stretches that touch on screen as one band", () => {
    const week = { end: END, hours: 168 };
    const pixelMs = (168 * HOUR) / 500;
    const short = { start: END - 24 * HOUR, end: END - 24 * HOUR + 5_000 };
    const near = { start: short.end + pixelMs / 4, end: short.end + pixelMs / 4 + 5_000 };
    const far = { start: END - 2 * HOUR, end: END - 2 * HOUR + 5_000 };
    const bands = activityBands([short, near, far], week, 500);
    expect(bands).toHaveLength(2);
    expect(bands[0].width).toBeCloseTo(1 / 500);
    expect(bands[0].start).toBe(short.start);
    expect(bands[0].end).toBe(near.end);
    expect(bands[1].start).toBe(far.start);
  });

  it("keeps a one-pixel band at the right edge inside the track", () => {
    const [band] = activityBands([{ start: END - 1000, end: END }], VIEW, 600);
    expect(band.left + band.width).toBeLessThanOrEqual(1);
    expect(band.width).toBeCloseTo(1 / 600);
  });
});

describe("previous and next activity", () => {
  const spans = [
    { start: at(50), end: at(48) },
    { start: at(30), end: at(29) },
    { start: at(10), end: at(9) },
  ];

  it("goes to the first stretch starting after the playhead", () => {
    expect(neighbourActivity(spans, at(40), 1)).toBe(spans[1]);
    expect(neighbourActivity(spans, at(30), 1)).toBe(spans[2]); // just jumped there: the one after
    expect(neighbourActivity(spans, at(5), 1)).toBeNull();
  });

  it("goes back to the stretch before the one playing, and from idle to the last one before", () => {
    expect(neighbourActivity(spans, at(29.5), -1)).toBe(spans[0]);
    expect(neighbourActivity(spans, at(20), -1)).toBe(spans[1]);
    expect(neighbourActivity(spans, END, -1)).toBe(spans[2]);
    expect(neighbourActivity(spans, at(49), -1)).toBeNull();
  });
});
