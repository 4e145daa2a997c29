import { afterEach, describe, expect, it, vi } from "vitest";
import { ACTIVITY_REFRESH_MS, TimelineSource } from "../src/timeline-source";
import { HOUR } from "../src/time";
import { fakeHass, settle, wsError } from "./helpers";

const MINUTE = 60_000;
const iso = (t: number) => new Date(t).toISOString();

/** A source over a Home Assistant whose clock runs `skew` ms ahead of the browser's. */
function source(skew = 0) {
  const fake = fakeHass();
  const asked: { start: number; end: number }[] = [];
  const recorded = Date.now(); // what the camera recorded is relative to this instant
  fake.answer("heldar/timeline", (m) => {
    const now = recorded;
    asked.push({ start: Date.parse(String(m.start)), end: Date.parse(String(m.end)) });
    return {
      spans: [{ start: iso(now - 10 * MINUTE), end: iso(now - 5 * MINUTE) }],
      gaps: [],
      events: [{ id: "e1", start: iso(now - 8 * MINUTE), end: iso(now - 7 * MINUTE), reason: "Motion", thumbnail: null }],
      activity: { spans: [[(now - 9 * MINUTE) / 1000, (now - 8 * MINUTE) / 1000]], join: 5, threshold: 40 },
      now: iso(Date.now() + skew),
    };
  });
  const timeline = new TimelineSource("sub1", () => fake.hass);
  let changes = 0;
  timeline.addEventListener("change", () => (changes += 1));
  return { fake, timeline, asked, recorded, changes: () => changes };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("the timeline source", () => {
  it("fetches the range shown with half of it more either side, never past a minute from now", async () => {
    const { timeline, asked, changes } = source();
    const now = Date.now();
    await timeline.load({ start: now - 3 * HOUR, end: now });
    expect(asked).toHaveLength(1);
    expect(asked[0].start).toBe(now - 4.5 * HOUR);
    expect(asked[0].end).toBeGreaterThanOrEqual(now + MINUTE);
    expect(asked[0].end).toBeLessThan(now + MINUTE + 1000);
    expect(timeline.data.spans).toHaveLength(1);
    expect(timeline.data.events.map((e) => e.id)).toEqual(["e1"]);
    expect(changes()).toBe(1);
  });

  it("fetches again only when the view leaves what it has, or when told to", async () => {
    const { timeline, asked } = source();
    const now = Date.now();
    await timeline.load({ start: now - HOUR, end: now });
    await timeline.load({ start: now - 1.2 * HOUR, end: now - 0.2 * HOUR }); // inside the margin
    expect(asked).toHaveLength(1);
    await timeline.load({ start: now - 3 * HOUR, end: now - 2 * HOUR }); // panned past it
    expect(asked).toHaveLength(2);
    await timeline.load({ start: now - 3 * HOUR, end: now - 2 * HOUR }, true);
    expect(asked).toHaveLength(3);
    await timeline.load({ start: now - HOUR, end: now });
    expect(asked).toHaveLength(4); // the newest again: it was not loaded
    await timeline.load({ start: now - HOUR, end: now });
    expect(asked).toHaveLength(4);
    // Following now: minutes later, the newest footage is past what was loaded.
    vi.spyOn(Date, "now").mockReturnValue(now + 3 * MINUTE);
    await timeline.load({ start: now + 3 * MINUTE - HOUR, end: now + 3 * MINUTE });
    expect(asked).toHaveLength(5);
  });

  it("has the activity of the range, and fetches it again each minute while the view reaches now", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const { timeline, asked, recorded: now } = source();
    timeline.connect();
    await timeline.load({ start: now - HOUR, end: now });
    expect(timeline.data.activity).toEqual([{ start: now - 9 * MINUTE, end: now - 8 * MINUTE }]);
    expect(asked).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(ACTIVITY_REFRESH_MS);
    expect(asked).toHaveLength(2); // the push carries no activity: asked again
    await timeline.load({ start: now - 5 * HOUR, end: now - 4 * HOUR });
    expect(asked).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(2 * ACTIVITY_REFRESH_MS);
    expect(asked).toHaveLength(3); // the past does not change: not asked again
    timeline.disconnect();
  });

  it("fetches again when zoomed well inside what it has, for the activity's finer detail", async () => {
    const { timeline, asked } = source();
    const now = Date.now();
    await timeline.load({ start: now - 24 * HOUR, end: now });
    await timeline.load({ start: now - 12 * HOUR, end: now });
    expect(asked).toHaveLength(1);
    await timeline.load({ start: now - HOUR, end: now });
    expect(asked).toHaveLength(2);
  });

  it("keeps the server's clock: now is Home Assistant's, not the browser's", async () => {
    const { timeline } = source(90_000);
    expect(Math.abs(timeline.now - Date.now())).toBeLessThan(50);
    await timeline.load({ start: Date.now() - HOUR, end: Date.now() });
    expect(Math.abs(timeline.now - (Date.now() + 90_000))).toBeLessThan(50);
  });

  it("adds pushed segments to their span and pushed events, and fetches again for an event's pre-roll", async () => {
    const { fake, timeline, asked, recorded: now, changes } = source();
    timeline.connect();
    expect(timeline.connected).toBe(true);
    expect(fake.calls).toContainEqual({ type: "heldar/subscribe", camera: "sub1" });
    await timeline.load({ start: now - HOUR, end: now });
    const before = changes();
    fake.push({ segment: { start: iso(now - 5 * MINUTE + 500), end: iso(now - 4 * MINUTE) } });
    expect(timeline.data.spans).toEqual([{ start: now - 10 * MINUTE, end: now - 4 * MINUTE }]);
    expect(changes()).toBe(before + 1);
    vi.useFakeTimers();
    fake.push({ event: { id: "e2", start: iso(now - MINUTE), end: null, reason: "Doorbell", thumbnail: null } });
    expect(timeline.data.events.map((e) => [e.id, e.end])).toEqual([
      ["e1", now - 7 * MINUTE],
      ["e2", null],
    ]);
    expect(asked).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1500);
    expect(asked).toHaveLength(2); // the file being written and the pre-roll show now
  });

  it("says why the timeline could not be had, and lets go of its subscription", async () => {
    const { fake, timeline } = source();
    fake.answer("heldar/timeline", () => {
      throw wsError("not_found", "No Heldar camera sub1");
    });
    await timeline.load({ start: Date.now() - HOUR, end: Date.now() });
    expect(timeline.error).toBe("No Heldar camera sub1");
    let unsubscribed = 0;
    fake.hass.connection.subscribeMessage = () => Promise.resolve(() => Promise.resolve(void (unsubscribed += 1)));
    timeline.connect();
    timeline.disconnect();
    await settle();
    expect(unsubscribed).toBe(1);
    expect(timeline.connected).toBe(false);
  });
});
