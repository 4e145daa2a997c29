import { describe, expect, it } from "vitest";
import { HOUR, formatClock, localParts, tickStepMinutes, ticks } from "../src/time";

const BERLIN = { timeZone: "Europe/Berlin", locale: "en-GB" };
const clock = (timeZone: string) => ({ timeZone, locale: "en-GB" });

describe("ticks in HA's time zone", () => {
  it("labels local hours, not the browser's or UTC", () => {
    const start = Date.parse("2026-07-01T10:00:00Z"); // 12:00 in Berlin (CEST, UTC+2)
    const result = ticks(start, start + 6 * HOUR, BERLIN);
    expect(result[0].t).toBe(start);
    expect(result[0].label).toBe("12:00");
    expect(ticks(start, start + 6 * HOUR, clock("America/New_York"))[0].label).toBe("06:00");
  });

  it("has a 23-hour day when the clocks go forward (no 02:00)", () => {
    const midnight = Date.parse("2026-03-28T23:00:00Z"); // 29 March 00:00 CET
    const labels = ticks(midnight, midnight + 24 * HOUR, BERLIN)
      .filter((t) => !t.major)
      .map((t) => t.label);
    expect(tickStepMinutes(24 * HOUR)).toBe(120);
    expect(labels).not.toContain("02:00");
    expect(labels.slice(0, 3)).toEqual(["04:00", "06:00", "08:00"]);
    // The next local midnight is 23 real hours later.
    const next = ticks(midnight, midnight + 24 * HOUR, BERLIN).filter((t) => t.major);
    expect(next.map((t) => (t.t - midnight) / HOUR)).toEqual([0, 23]);
  });

  it("repeats 02:00 when the clocks go back (a 25-hour day)", () => {
    const start = Date.parse("2026-10-24T23:30:00Z"); // 25 Oct 01:30 CEST
    const labels = ticks(start, start + 3 * HOUR, BERLIN).map((t) => t.label);
    expect(labels.filter((l) => l === "02:00")).toHaveLength(2);
    const midnight = Date.parse("2026-10-24T22:00:00Z");
    const majors = ticks(midnight, midnight + 26 * HOUR, BERLIN).filter((t) => t.major);
    expect(majors.map((t) => (t.t - midnight) / HOUR)).toEqual([0, 25]);
  });

  it("marks midnights with the date for a week", () => {
    const start = Date.parse("2026-03-25T12:00:00Z");
    const days = ticks(start, start + 7 * 24 * HOUR, BERLIN);
    expect(days.every((t) => t.major)).toBe(true);
    expect(days).toHaveLength(7);
    expect(days.every((t) => localParts(t.t, BERLIN.timeZone).hour === 0)).toBe(true);
  });
});

describe("clock", () => {
  it("formats with seconds in the zone", () => {
    expect(formatClock(Date.parse("2026-01-05T13:04:05Z"), clock("Asia/Tokyo"))).toBe("22:04:05");
    expect(formatClock(Date.parse("2026-01-05T13:04:05Z"), { ...clock("Asia/Tokyo"), locale: "en-US", hour12: true })).toBe(
      "10:04:05 PM",
    );
  });
});
